package dev.berth.viewfs.caller;

import dev.berth.cgroups.proc.ProcSelfCgroup;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the thread id FUSE reports to the container whose cgroup holds that thread's process.
 * Nothing is cached per pid: pids are reused and processes change cgroup (runc moves its init in),
 * so a cache would need the same two small reads to validate itself. Per-container state lives in
 * the cgroup package, keyed by {@link ContainerCgroup#id()}.
 */
public final class CallerResolver {
    /** v1 hierarchies tried in turn for the container's identity; the memory one is what limits it most visibly. */
    static final List<String> V1_PRIMARY = List.of("memory", "cpu", "cpuacct", "pids");
    private final ProcFs proc;
    private final CgroupParents parents;
    private final boolean unified;

    /** @param unified true on a pure cgroup v2 host, where the "0::" line is the only one that matters */
    public CallerResolver(ProcFs proc, CgroupParents parents, boolean unified) {
        this.proc = proc;
        this.parents = parents;
        this.unified = unified;
    }

    public Caller resolve(int tid) {
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
