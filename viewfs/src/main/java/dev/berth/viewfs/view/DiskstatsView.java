package dev.berth.viewfs.view;

import java.util.Map;

/**
 * /proc/diskstats for a container, as lxcfs shows it: the host's devices the container did I/O on,
 * in the host's order, with its own request and sector counts. The cgroup keeps no merge, time or
 * queue figures: those are 0. Each line has as many fields as the host's (the count grew with
 * kernel versions) in the kernel's format ("%4d %7d %s %lu ...").
 */
public final class DiskstatsView {
    private static final int SECTOR = 512;

    private DiskstatsView() {
    }

    /** @param io the container's counters by "major:minor" */
    public static String render(String hostDiskstats, Map<String, DeviceIo> io) {
        StringBuilder out = new StringBuilder();
        for (String line : hostDiskstats.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                continue;
            }
            DeviceIo d = io.get(f[0] + ":" + f[1]);
            if (d == null || d.isNone()) {
                continue;
            }
            // reads, merged, sectors, ms; writes, merged, sectors, ms; in flight, io ms, weighted ms;
            // discards, merged, sectors, ms; flushes, ms
            long[] stats = {d.reads(), 0, d.readBytes() / SECTOR, 0, d.writes(), 0, d.writeBytes() / SECTOR, 0, 0, 0, 0,
                    d.discards(), 0, d.discardBytes() / SECTOR, 0, 0, 0};
            out.append(String.format("%4s %7s %s", f[0], f[1], f[2]));
            for (int i = 0; i < Math.min(stats.length, f.length - 3); i++) {
                out.append(' ').append(stats[i]);
            }
            out.append('\n');
        }
        return out.toString();
    }
}
