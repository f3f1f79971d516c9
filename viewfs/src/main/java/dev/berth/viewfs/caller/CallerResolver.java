package dev.berth.viewfs.caller;

import dev.berth.cgroups.proc.ProcSelfCgroup;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Maps the thread id FUSE reports to the container whose cgroup holds that thread's process.
 * Resolving reads /proc/TID/status and /proc/PID/cgroup and parses both; the answer is cached per
 * thread and checked on each use with one smaller read, the thread's start time, since tids are
 * reused. Processes also change cgroup (an operator may move one), which no cheap read reveals, so an
 * entry is trusted for {@link #MAX_AGE_NANOS} only: a moved process sees its new container's view
 * within that time. Only container callers are cached (see resolve). Per-container state lives in the cgroup package,
 * keyed by {@link ContainerCgroup#id()}.
 */
public final class CallerResolver {
    /** v1 hierarchies tried in turn for the container's identity; the memory one is what limits it most visibly. */
    static final List<String> V1_PRIMARY = List.of("memory", "cpu", "cpuacct", "pids");
    public static final long MAX_AGE_NANOS = 1_000_000_000L;
    /**
     * How long after a check a thread's entry is used without reading its start time again. The kernel
     * hands out pids cyclically, so a tid comes back only after pid_max others (32768 by default):
     * not within milliseconds. A reader in a loop thus pays the start-time read once per this time,
     * not on every open (on this VM that read is 3 of the ~12 syscalls an open costs the server).
     */
    static final long RECHECK_NANOS = 5_000_000L;
    /** Beyond this many cached threads, expired entries are swept on the next miss. */
    private static final int SWEEP_ABOVE = 4096;

    private record Entry(long startTime, Caller caller, long resolvedAt, long checkedAt) {
    }

    private final ProcFs proc;
    private final CgroupParents parents;
    private final boolean unified;
    private final LongSupplier nanoTime;
    private final Map<Integer, Entry> byTid = new ConcurrentHashMap<>();

    /** @param unified true on a pure cgroup v2 host, where the "0::" line is the only one that matters */
    public CallerResolver(ProcFs proc, CgroupParents parents, boolean unified) {
        this(proc, parents, unified, System::nanoTime);
    }

    /** @param nanoTime a monotonic clock (tests step their own) */
    public CallerResolver(ProcFs proc, CgroupParents parents, boolean unified, LongSupplier nanoTime) {
        this.proc = proc;
        this.parents = parents;
        this.unified = unified;
        this.nanoTime = nanoTime;
    }

    public Caller resolve(int tid) {
        long now = nanoTime.getAsLong();
        Entry e = byTid.get(tid);
        if (e != null && now - e.checkedAt < RECHECK_NANOS && now - e.resolvedAt < MAX_AGE_NANOS) {
            return e.caller;
        }
        long start = proc.startTime(tid);
        if (e != null && start >= 0 && e.startTime == start && now - e.resolvedAt < MAX_AGE_NANOS) {
            byTid.put(tid, new Entry(start, e.caller, e.resolvedAt, now));
            return e.caller;
        }
        Caller c = resolveNow(tid);
        // Host callers are not cached: runc's init does its bind mounts (and so reaches us) while still
        // in the host's cgroup, then becomes the container's first process under the same tid.
        if (start >= 0 && c.container() != null) {
            if (byTid.size() > SWEEP_ABOVE) {
                byTid.values().removeIf(old -> now - old.resolvedAt >= MAX_AGE_NANOS);
            }
            byTid.put(tid, new Entry(start, c, now, now));
        }
        return c;
    }

    private Caller resolveNow(int tid) {
        int pid = proc.tgid(tid);
        if (pid <= 0) {
            return new Caller(tid, null);
        }
        return new Caller(pid, containerOf(proc.cgroups(pid)));
    }

    /** The container of a process given its /proc/PID/cgroup lines, or null for the host. */
    public ContainerCgroup containerOf(List<ProcSelfCgroup.Entry> entries) {
        Map<String, String> byController = new HashMap<>();
        for (ProcSelfCgroup.Entry e : entries) {
            if (unified && e.isUnified()) {
                byController.put("", e.path());
            } else if (!unified && !e.isUnified()) {
                for (String c : e.controllers()) {
                    byController.put(c, e.path());
                }
            }
        }
        String primary = unified ? byController.get("")
                : V1_PRIMARY.stream().map(byController::get).filter(p -> p != null).findFirst().orElse(null);
        String id = primary == null ? null : parents.containerOf(primary);
        if (id == null) {
            return null;
        }
        Map<String, String> paths = new HashMap<>();
        byController.forEach((c, p) -> {
            String top = parents.containerOf(p);
            if (top != null) {
                paths.put(c, top);
            }
        });
        return new ContainerCgroup(id, paths);
    }
}
