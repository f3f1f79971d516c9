package dev.berth.cgroups.systemd;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Pressure;
import dev.berth.cgroups.Resources;
import dev.berth.cgroups.v1.BlkioControllerV1;
import dev.berth.cgroups.v1.CgroupV1Manager;
import dev.berth.cgroups.v2.CgroupV2Manager;
import dev.berth.oci.BerthException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The systemd cgroup driver. runc, run with --systemd-cgroup, creates each container's scope
 * through systemd from the {@code slice:prefix:name} cgroupsPath this driver hands out; the driver
 * then finds the scope's directories (the slice's expanded path plus the scope, in every hierarchy),
 * reads them with the cgroupfs code of the host's version, changes limits through systemd first
 * (so systemd does not put its own values back on its next re-realisation) and then in the files
 * (systemd rounds the quota and has no cpuset on v1; runc does the same), and removes a container
 * by stopping its unit. It also creates what Berth itself needs in systemd's tree: pod slices and
 * scopes for the shims.
 */
public final class SystemdCgroupManager implements CgroupManager {
    private static final System.Logger LOG = System.getLogger(SystemdCgroupManager.class.getName());
    private final CgroupLayout layout;
    private final SystemdBus bus;
    private final ResourceProperties properties;

    public SystemdCgroupManager(CgroupLayout layout, SystemdBus bus) {
        this.layout = layout;
        this.bus = bus;
        this.properties = new ResourceProperties(bus.version(), layout.mode() == CgroupMode.V2);
    }

    @Override
    public String driver() {
        return "systemd";
    }

    /** {@code system.slice:berth:<id>}; see {@link SystemdCgroupsPath#forContainer} for the parent. */
    @Override
    public String cgroupsPath(String parent, String containerId) {
        return SystemdCgroupsPath.forContainer(parent, containerId).toString();
    }

    @Override
    public CgroupStats stats(String cgroupsPath) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        return files(p).stats(filesPath(p));
    }

    @Override
    public void update(String cgroupsPath, Resources r) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        CgroupManager files = files(p);
        if (!files.exists(filesPath(p))) {
            throw BerthException.notFound("update cgroup " + cgroupsPath + ": not found");
        }
        List<UnitProperty> props = properties.of(r);
        if (!props.isEmpty()) {
            bus.setUnitProperties(p.unitName(), props);
        }
        files.update(filesPath(p), r);
    }

    @Override
    public boolean exists(String cgroupsPath) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        return files(p).exists(filesPath(p));
    }

    @Override
    public boolean weightsBlockIo() {
        return layout.mode() == CgroupMode.V2 || BlkioControllerV1.available(layout);
    }

    /**
     * Stops the scope (systemd kills what is left in it and removes its directories), then removes
     * the directories systemd does not manage (runc's cpuset and freezer ones on v1).
     */
    @Override
    public void remove(String cgroupsPath) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        if (bus.stopUnit(p.unitName())) {
            LOG.log(System.Logger.Level.DEBUG, "remove cgroup " + cgroupsPath + ": stopped " + p.unitName());
        }
        files(p).remove(filesPath(p));
    }

    @Override
    public long oomKillCount(String cgroupsPath) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        return files(p).oomKillCount(filesPath(p));
    }

    @Override
    public List<Integer> pids(String cgroupsPath) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        return files(p).pids(filesPath(p));
    }

    @Override
    public Optional<Pressure> pressure(String cgroupsPath) {
        SystemdCgroupsPath p = SystemdCgroupsPath.parse(cgroupsPath);
        return files(p).pressure(filesPath(p));
    }

    /**
     * Starts a transient scope holding {@code pid} in {@code slice}, with Delegate=yes and no
     * default dependencies (so stopping berthd.service, or shutting down, does not stop it first),
     * and waits until systemd reports the job done. For the shims: in their own scope they are no
     * longer part of berthd.service's cgroup and outlive a restart of berthd.
     */
    public void moveToScope(String unitName, String slice, long pid) {
        SystemdCgroupsPath.checkUnitName(unitName, ".scope");
        SystemdCgroupsPath.expandSlice(slice);
        if (pid <= 0) {
            throw BerthException.invalid("move pid " + pid + " to " + unitName + ": not a process id");
        }
        bus.startTransientUnit(unitName, List.of(
                UnitProperty.string("Description", "berth " + unitName),
                UnitProperty.string("Slice", slice),
                UnitProperty.pids("PIDs", List.of(pid)),
                UnitProperty.bool("Delegate", true),
                UnitProperty.bool("DefaultDependencies", false)));
        LOG.log(System.Logger.Level.DEBUG, "moved pid " + pid + " to " + slice + "/" + unitName);
    }

    /**
     * Creates a transient slice (a CRI pod's, e.g. kubepods-besteffort-pod&lt;uid&gt;.slice) with
     * limits; its place in the tree follows from its name. No Delegate: systemd only delegates
     * services and scopes, and the containers' scopes inside are delegated already.
     */
    public void createSlice(String slice, Resources limits) {
        String parent = SystemdCgroupsPath.parentSlice(slice);
        List<UnitProperty> props = new ArrayList<>();
        props.add(UnitProperty.string("Description", "berth slice " + slice));
        if (parent != null) {
            props.add(UnitProperty.strings("Wants", List.of(parent)));
        }
        props.addAll(properties.of(limits));
        bus.startTransientUnit(slice, props);
        LOG.log(System.Logger.Level.INFO, "created slice " + slice + " (" + UnitProperty.describe(props) + ")");
    }

    /** Stops a slice made by {@link #createSlice}, and with it every unit left inside. Absent is fine. */
    public void removeSlice(String slice) {
        SystemdCgroupsPath.expandSlice(slice);
        if (bus.stopUnit(slice)) {
            LOG.log(System.Logger.Level.INFO, "removed slice " + slice);
        }
    }

    /** The shim's scope: berth-shim-&lt;first 12 of the id&gt;.scope in system.slice. */
    @Override
    public void placeShim(String containerId, long shimPid) {
        moveToScope("berth-shim-" + containerId.substring(0, Math.min(12, containerId.length())) + ".scope",
                "system.slice", shimPid);
    }

    /** A kubelet pod slice that does not exist yet is made (kubelet makes its own; then this is a no-op). */
    @Override
    public void checkPodParent(String parent) {
        if (parent != null && !parent.isEmpty() && !isSlice(parent)) {
            throw BerthException.invalid("cgroup parent " + parent + " is not a systemd slice, but berthd's cgroup driver"
                    + " is systemd: set kubelet's cgroupDriver to systemd, or berthd's cgroup_manager to cgroupfs");
        }
    }

    @Override
    public void createPodParent(String parent) {
        if (!isSlice(parent)) {
            return;
        }
        try {
            createSlice(parent, Resources.none());
        } catch (BerthException e) {
            if (e.kind() != BerthException.Kind.ALREADY_EXISTS) {
                throw e;
            }
        }
    }

    @Override
    public void removePodParent(String parent) {
        if (isSlice(parent)) {
            removeSlice(parent);
        }
    }

    private static boolean isSlice(String parent) {
        return parent != null && parent.endsWith(".slice");
    }

    /**
     * The cgroupfs manager of this host's version rooted at the container's slice: it reads and
     * writes the scope's directories like any cgroup, and never removes the slice above them.
     */
    private CgroupManager files(SystemdCgroupsPath p) {
        String sliceDir = p.relativeSliceDir();
        return layout.mode() == CgroupMode.V2 ? new CgroupV2Manager(layout, sliceDir) : new CgroupV1Manager(layout, sliceDir);
    }

    private static String filesPath(SystemdCgroupsPath p) {
        return "/" + p.relativeDir();
    }
}
