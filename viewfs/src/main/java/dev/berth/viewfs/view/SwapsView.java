package dev.berth.viewfs.view;

/**
 * /proc/swaps for a container, as lxcfs shows it: the host's header, then one "none virtual" line
 * with the container's swap size and use in kB, or no line when it may not swap (no swap limit left
 * over its memory limit, or a host without swap).
 */
public final class SwapsView {
    private SwapsView() {
    }

    /** @param hostSwaps the host's /proc/swaps (for its header); {@code hostMeminfo} for the host's swap size */
    public static String render(String hostSwaps, String hostMeminfo, MemorySnapshot m) {
        int nl = hostSwaps.indexOf('\n');
        String header = nl < 0 ? hostSwaps + "\n" : hostSwaps.substring(0, nl + 1);
        Swap swap = Swap.of(MeminfoView.parse(hostMeminfo).getOrDefault("SwapTotal", 0L), m);
        if (swap.totalKb() == 0) {
            return header;
        }
        // the kernel's swap_show(): the name padded to 40 columns, an extra tab after short numbers
        StringBuilder out = new StringBuilder(header).append("none");
        out.append(" ".repeat(36)).append("virtual\t").append(swap.totalKb()).append('\t');
        if (swap.totalKb() < 10_000_000) {
            out.append('\t');
        }
        out.append(swap.usedKb()).append('\t');
        if (swap.usedKb() < 10_000_000) {
            out.append('\t');
        }
        return out.append("0\n").toString();
    }
}
