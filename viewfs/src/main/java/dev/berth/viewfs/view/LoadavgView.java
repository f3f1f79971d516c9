package dev.berth.viewfs.view;

/**
 * /proc/loadavg for a container: "avg1 avg5 avg15 running/total lastpid", with the cgroup's own
 * averages and task counts. lastpid is the highest pid in the cgroup (lxcfs does the same), not the
 * host's most recent pid, which would tell the container how busy the host is.
 */
public final class LoadavgView {
    private LoadavgView() {
    }

    /** @param avenrun the three fixed-point averages of {@link LoadAverage#snapshot()} */
    public static String render(long[] avenrun, int running, int total, int lastPid) {
        return LoadAverage.format(avenrun[0]) + " " + LoadAverage.format(avenrun[1]) + " "
                + LoadAverage.format(avenrun[2]) + " " + running + "/" + total + " " + lastPid + "\n";
    }
}
