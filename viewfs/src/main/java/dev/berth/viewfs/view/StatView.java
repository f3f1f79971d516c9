package dev.berth.viewfs.view;

/**
 * /proc/stat with one "cpuN" line per visible CPU (renumbered) and the cgroup's CPU time in place of
 * the host's. The cgroup only counts user and system time in total, so it is spread evenly over the
 * visible CPUs (the remainder on the first ones, keeping each counter monotonic as top needs), and a
 * CPU's idle time is what is left of the container's lifetime. Other lines (intr, ctxt, btime...)
 * are the host's: btime in particular must stay the host's boot time, since process start times in
 * /proc/PID/stat are counted from it.
 */
public final class StatView {
    private StatView() {
    }

    /**
     * @param visibleCount the number of CPUs shown
     * @param elapsedNanos the container's lifetime
     */
    public static String render(String hostStat, CpuSnapshot cpu, int visibleCount, long elapsedNanos) {
        long user = ProcLines.ticks(cpu.userNanos());
        long system = ProcLines.ticks(cpu.systemNanos());
        if (cpu.userNanos() < 0 && cpu.systemNanos() < 0 && cpu.usageNanos() > 0) {
            // no split available: all of it as user time
            user = ProcLines.ticks(cpu.usageNanos());
        }
        long elapsed = ProcLines.ticks(elapsedNanos);
        long[][] perCpu = new long[visibleCount][];
        long[] total = new long[10];
        for (int i = 0; i < visibleCount; i++) {
            long u = share(user, visibleCount, i);
            long s = share(system, visibleCount, i);
            long[] f = {u, 0, s, Math.max(0, elapsed - u - s), 0, 0, 0, 0, 0, 0};
            perCpu[i] = f;
            for (int k = 0; k < f.length; k++) {
                total[k] += f[k];
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(line("cpu ", total));
        for (int i = 0; i < visibleCount; i++) {
            out.append(line("cpu" + i, perCpu[i]));
        }
        for (String l : hostStat.split("\n")) {
            if (!l.startsWith("cpu") && !l.isEmpty()) {
                out.append(l).append('\n');
            }
        }
        return out.toString();
    }

    private static long share(long ticks, int n, int i) {
        return ticks / n + (i < ticks % n ? 1 : 0);
    }

    private static String line(String name, long[] f) {
        StringBuilder b = new StringBuilder(name);
        for (long v : f) {
            b.append(' ').append(v);
        }
        return b.append('\n').toString();
    }
}
