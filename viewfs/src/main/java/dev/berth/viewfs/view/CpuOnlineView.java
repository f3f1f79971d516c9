package dev.berth.viewfs.view;

/**
 * /sys/devices/system/cpu/online: glibc's get_nprocs() (sysconf(_SC_NPROCESSORS_ONLN)) reads it, so
 * the renumbered CPUs 0..n-1 are what makes glibc-based programs size their thread pools to the container.
 * The same list serves as cpu/possible (glibc 2.36's _SC_NPROCESSORS_CONF) and cpu/present: a container
 * has no CPUs that are possible or present but offline.
 */
public final class CpuOnlineView {
    private CpuOnlineView() {
    }

    public static String render(int visibleCount) {
        return (visibleCount <= 1 ? "0" : "0-" + (visibleCount - 1)) + "\n";
    }
}
