package dev.berth.viewfs.view;

/**
 * /proc/uptime for a container: seconds since its cgroup was made (never more than the host's
 * uptime), and idle time summed over its visible CPUs as the kernel sums it over all CPUs.
 */
public final class UptimeView {
    private UptimeView() {
    }

    /** @param elapsedNanos the container's lifetime, already capped at the host's uptime */
    public static String render(long elapsedNanos, int visibleCount, long usageNanos) {
        long idle = Math.max(0, elapsedNanos * visibleCount - Math.max(0, usageNanos));
        return ProcLines.seconds(elapsedNanos) + " " + ProcLines.seconds(idle) + "\n";
    }

    /** The host's uptime in nanoseconds, from the first field of /proc/uptime. */
    public static long hostUptimeNanos(String hostUptime) {
        String first = hostUptime.trim().split("\\s+")[0];
        int dot = first.indexOf('.');
        long secs = Long.parseLong(dot < 0 ? first : first.substring(0, dot));
        long centis = dot < 0 ? 0 : Long.parseLong((first.substring(dot + 1) + "00").substring(0, 2));
        return secs * 1_000_000_000L + centis * 10_000_000L;
    }
}
