package dev.berth.viewfs.view;

/**
 * /proc/pressure/{cpu,memory,io} for a container: its cgroup's cpu/memory/io.pressure, which the
 * kernel prints in the same format for the cgroup's tasks. Only cgroup v2 has them.
 */
public final class PressureView {
    private PressureView() {
    }

    /** @param cgroupPressure the cgroup's file; null when it has none (psi disabled for it), then the host's */
    public static String render(String hostPressure, String cgroupPressure) {
        return cgroupPressure != null && !cgroupPressure.isEmpty() ? cgroupPressure : hostPressure;
    }
}
