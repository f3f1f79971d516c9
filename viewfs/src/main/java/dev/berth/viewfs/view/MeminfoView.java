package dev.berth.viewfs.view;

import java.util.HashMap;
import java.util.Map;

/**
 * /proc/meminfo for a container: sizes from its memory cgroup, every line the cgroup cannot speak
 * for (Vmalloc*, HugePages_*, DirectMap*, CommitLimit...) passed through from the host, as lxcfs does.
 *
 * <p>Lines are printed as the kernel prints them ("%-16s%8lu kB", label including the colon), since
 * procps and others split on whitespace but people diff the files.
 */
public final class MeminfoView {
    private MeminfoView() {
    }

    public static String render(String hostMeminfo, MemorySnapshot m) {
        Map<String, Long> host = parse(hostMeminfo);
        long total = totalKb(host.getOrDefault("MemTotal", 0L), m);
        long used = usedKb(total, m);
        long free = total - used;
        long fileLru = kb(m.activeFile()) + kb(m.inactiveFile());
        // file pages and reclaimable slab can be dropped without swapping: what the kernel's estimate counts too
        long available = Math.min(total, free + fileLru + kb(m.slabReclaimable()));
        // free(1) subtracts Cached + SReclaimable from used: neither may exceed what the cgroup uses
        long cached = Math.min(kb(m.cache()), used);
        long sreclaimable = Math.min(kb(m.slabReclaimable()), used - cached);

        Swap swap = Swap.of(host.getOrDefault("SwapTotal", 0L), m);

        Map<String, Long> v = new HashMap<>();
        v.put("MemTotal", total);
        v.put("MemFree", free);
        v.put("MemAvailable", Math.max(free, available));
        v.put("Buffers", 0L);
        v.put("Cached", cached);
        v.put("SwapCached", 0L);
        v.put("Active", kb(m.activeAnon()) + kb(m.activeFile()));
        v.put("Inactive", kb(m.inactiveAnon()) + kb(m.inactiveFile()));
        v.put("Active(anon)", kb(m.activeAnon()));
        v.put("Inactive(anon)", kb(m.inactiveAnon()));
        v.put("Active(file)", kb(m.activeFile()));
        v.put("Inactive(file)", kb(m.inactiveFile()));
        v.put("Unevictable", kb(m.unevictable()));
        // no cgroup counter for these: zero rather than the host's figure
        v.put("Mlocked", 0L);
        v.put("SwapTotal", swap.totalKb());
        v.put("SwapFree", swap.freeKb());
        v.put("Dirty", kb(m.dirty()));
        v.put("Writeback", kb(m.writeback()));
        v.put("AnonPages", kb(m.anon()));
        v.put("Mapped", kb(m.mapped()));
        v.put("Shmem", kb(m.shmem()));
        v.put("KReclaimable", sreclaimable);
        v.put("Slab", sreclaimable + kb(m.slabUnreclaimable()));
        v.put("SReclaimable", sreclaimable);
        v.put("SUnreclaim", kb(m.slabUnreclaimable()));

        StringBuilder out = new StringBuilder(hostMeminfo.length());
        for (String line : hostMeminfo.split("\n")) {
            int colon = line.indexOf(':');
            Long value = colon > 0 ? v.get(line.substring(0, colon)) : null;
            if (value == null) {
                out.append(line).append('\n');
            } else {
                // "%-16s%8lu" by hand: String.format costs more than the rest of the render
                String number = Long.toString(value);
                out.append(line, 0, colon + 1);
                pad(out, 16 - (colon + 1));
                pad(out, 8 - number.length());
                out.append(number).append(line.endsWith(" kB") ? " kB\n" : "\n");
            }
        }
        return out.toString();
    }

    /** MemTotal: the tightest limit, never more than the host has. */
    static long totalKb(long hostTotalKb, MemorySnapshot m) {
        return m.limit() > 0 ? Math.min(kb(m.limit()), hostTotalKb) : hostTotalKb;
    }

    /** What the container uses of {@code totalKb} (MemTotal - MemFree). */
    static long usedKb(long totalKb, MemorySnapshot m) {
        return Math.min(kb(m.usage()), totalKb);
    }

    /** Label (without colon) to value as printed (kB for most lines); unparsable lines are left out. */
    static Map<String, Long> parse(String meminfo) {
        Map<String, Long> out = new HashMap<>();
        for (String line : meminfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            int from = colon + 1;
            while (from < line.length() && line.charAt(from) == ' ') {
                from++;
            }
            int to = line.indexOf(' ', from);
            try {
                out.put(line.substring(0, colon), Long.parseLong(line, from, to < 0 ? line.length() : to, 10));
            } catch (NumberFormatException e) {
                // a line this parser does not understand is still passed through by render
            }
        }
        return out;
    }

    private static void pad(StringBuilder out, int n) {
        for (int i = 0; i < n; i++) {
            out.append(' ');
        }
    }

    /** Bytes to kB; missing (negative) counters count as 0. */
    private static long kb(long bytes) {
        return bytes > 0 ? bytes / 1024 : 0;
    }
}
