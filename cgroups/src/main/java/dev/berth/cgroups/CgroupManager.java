package dev.berth.cgroups;

import dev.berth.oci.BerthException;
import java.util.List;
import java.util.Optional;

/**
 * One cgroup driver on one cgroup version. runc creates the container's cgroup from the spec's
 * linux.cgroupsPath; the manager reads it, updates it live and removes what runc leaves behind.
 * Errors are {@link dev.berth.oci.BerthException}s whose message names the operation and the path.
 */
public interface CgroupManager {
    /** "cgroupfs" or "systemd": the value for runc's --systemd-cgroup decision. */
    String driver();

    /**
     * The OCI linux.cgroupsPath for a container: cgroupfs gives "/&lt;parent&gt;/&lt;id&gt;", parent
     * defaulting to the driver's root ("berth"); a parent may be nested ("berth/pod1"). systemd gives
     * runc's "&lt;slice&gt;:&lt;prefix&gt;:&lt;id&gt;", e.g. "system.slice:berth:&lt;id&gt;".
     */
    String cgroupsPath(String parent, String containerId);

    /** One usage sample; NOT_FOUND if the cgroup does not exist. */
    CgroupStats stats(String cgroupsPath);

    /** Writes every non-null field of {@code r} to the controller files, live. */
    void update(String cgroupsPath, Resources r);

    boolean exists(String cgroupsPath);

    /** Whether a block I/O weight can be applied on this host (it needs a weight-based I/O scheduler). */
    default boolean weightsBlockIo() {
        return true;
    }

    /**
     * Removes the cgroup in every hierarchy if empty (retrying briefly while the kernel still
     * reports it busy), then its now-empty parents below the driver's root. No error if absent;
     * FAILED_PRECONDITION if it still holds processes.
     */
    void remove(String cgroupsPath);

    /** OOM kills in this cgroup so far, {@link CgroupFiles#UNAVAILABLE} if the kernel does not count them. */
    long oomKillCount(String cgroupsPath);

    /** The processes (thread-group ids) in the cgroup; empty if it does not exist. */
    List<Integer> pids(String cgroupsPath);

    /**
     * Moves a container's shim out of berthd's own cgroup where the driver has a place for it: with
     * systemd, a scope of its own, so that stopping or restarting berthd.service leaves the shim alone.
     * cgroupfs leaves it where it is (no service manager would kill it there).
     */
    default void placeShim(String containerId, long shimPid) {
    }

    /**
     * Refuses a pod cgroup parent spelled for the other driver: kubelet names a systemd slice
     * ({@code kubepods-besteffort-pod1.slice}) only when its own driver is systemd, and a path otherwise.
     * Taking the wrong one would put the pod outside what kubelet accounts and limits.
     */
    default void checkPodParent(String parent) {
        if (parent != null && parent.endsWith(".slice")) {
            throw BerthException.invalid("cgroup parent " + parent + " is a systemd slice, but berthd's cgroup driver is"
                    + " cgroupfs: set kubelet's cgroupDriver to cgroupfs, or berthd's cgroup_manager to systemd");
        }
    }

    /** Makes a CRI pod's cgroup parent where the driver owns it (systemd: the pod's slice); idempotent. */
    default void createPodParent(String parent) {
    }

    /** Removes what {@link #createPodParent} made; absent is fine. */
    default void removePodParent(String parent) {
    }

    /** PSI of the cgroup where a cgroup2 directory for it exists; empty otherwise. */
    default Optional<Pressure> pressure(String cgroupsPath) {
        return Optional.empty();
    }
}
