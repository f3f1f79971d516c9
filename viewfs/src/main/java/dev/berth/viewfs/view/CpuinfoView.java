package dev.berth.viewfs.view;

import java.util.List;

/**
 * /proc/cpuinfo with only the visible CPUs' blocks, renumbered 0..n-1 (what lxcfs does; programs
 * that count "processor" lines then agree with nproc). Blocks without a "processor" line, such as
 * the trailing "Hardware" block on arm, are kept.
 */
public final class CpuinfoView {
    private CpuinfoView() {
    }

    /** @param visible host CPU numbers, ascending */
    public static String render(String hostCpuinfo, List<Integer> visible) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (String block : hostCpuinfo.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            int processor = processor(block);
            if (processor >= 0 && !visible.contains(processor)) {
                continue;
            }
            String b = block.strip();
            if (processor >= 0) {
                b = renumber(b, next++);
            }
            out.append(b).append("\n\n");
        }
        return out.toString();
    }

    private static int processor(String block) {
        for (String line : block.split("\n")) {
            if (line.startsWith("processor")) {
                int colon = line.indexOf(':');
                try {
                    return Integer.parseInt(line.substring(colon + 1).trim());
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String renumber(String block, int n) {
        StringBuilder b = new StringBuilder(block.length());
        for (String line : block.split("\n", -1)) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(line.startsWith("processor") ? line.substring(0, line.indexOf(':') + 1) + " " + n : line);
        }
        return b.toString();
    }
}
