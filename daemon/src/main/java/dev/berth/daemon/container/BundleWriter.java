package dev.berth.daemon.container;

import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.store.ContainerRecord;
import dev.berth.daemon.volume.VolumeStore;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.RootfsPaths;
import dev.berth.oci.bundle.RootfsTree;
import dev.berth.oci.bundle.SpecBuilder;
import dev.berth.oci.bundle.SpecDefaults;
import dev.berth.oci.hooks.OciHooks;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a container's bundle config.json: secure defaults, the image's config, the user's options, hooks. */
public final class BundleWriter {
    private static final System.Logger LOG = System.getLogger(BundleWriter.class.getName());
    private final List<Path> hooksDirs;
    private final ResourceViews views;
    private final VolumeStore volumes;
    private final long hostNofileHard = SpecDefaults.hostNofileHardLimit();
    /** The init of {@code --init}: Debian's static tini (package tini, in RUN_PKGS), usable in any image. */
    static final Path INIT_BINARY = Path.of("/usr/bin/tini-static");

    public BundleWriter(List<Path> hooksDirs, ResourceViews views, VolumeStore volumes) {
        this.hooksDirs = hooksDirs;
        this.views = views;
        this.volumes = volumes;
    }

    /** The named volumes {@link #spec} binds from. */
    VolumeStore volumes() {
        return volumes;
    }

    /** The resource views {@link #write} binds into containers whose record says they have them. */
    ResourceViews resourceViews() {
        return views;
    }

    /**
     * The container's bundle spec, built and checked against the image's files without changing anything, so
     * that a request refused here leaves nothing to undo; {@link #write} makes it the bundle.
     *
     * @param imageFiles        the image's files (its layers, not yet mounted): they resolve the user's name and
     *                          groups and must let the working directory be made
     * @param recursiveReadOnly whether the container's runtime can make bind mounts read-only all the way
     *                          down: a read-only volume then is, else it is read-only at its top only (warned)
     */
    Planned spec(ContainerPaths paths, ContainerRecord record, ImageConfig image, RootfsTree imageFiles,
                 boolean recursiveReadOnly) {
        ContainerCreate c = record.config();
        SpecBuilder builder = SpecBuilder.secureDefaults(hostNofileHard)
                .imageConfig(image)
                .entrypoint(c.entrypoint())
                .cmd(c.cmd())
                .env(c.env())
                .workingDir(c.workingDir())
                .user(c.user())
                .resolveUsersIn(imageFiles)
                .tty(c.tty())
                .hostNetwork("host".equals(c.network()))
                .cgroupsPath(record.cgroupsPath())
                .memory(c.memory())
                .cpus(c.cpus())
                .pidsLimit(c.pidsLimit())
                .blkioWeight(c.blkioWeight());
        if (c.labels() != null) {
            builder.annotations(c.labels());
        }
        if (c.annotations() != null) {
            builder.annotations(c.annotations());
        }
        applyLinux(paths, record, c.linux(), builder);
        if (c.volumes() != null) {
            for (ContainerCreate.Volume v : c.volumes()) {
                if (v.source() == null || v.destination() == null || !v.destination().startsWith("/")) {
                    throw BerthException.invalid("create container " + record.id()
                            + ": a volume needs a host path or a volume's name, and an absolute container path");
                }
                if (v.isHostPath() && !Files.exists(Path.of(v.source()))) {
                    throw BerthException.invalid("create container " + record.id() + ": volume source "
                            + v.source() + " does not exist");
                }
                // a named volume is made (if new) just before the bundle is written
                String source = v.isHostPath() ? v.source() : volumes.dataDir(v.source()).toString();
                builder.bindMount(source, v.destination(), volumeAccess(record, v, recursiveReadOnly),
                        SpecBuilder.Propagation.PRIVATE);
            }
        }
        if (c.network() != null) {
            bindEtcFiles(paths, c, builder);
        }
        if (Boolean.TRUE.equals(c.init())) {
            if (!Files.isExecutable(INIT_BINARY)) {
                throw BerthException.invalid("create container " + record.id() + ": init: " + INIT_BINARY
                        + " is missing (apt-get install tini)");
            }
            builder.init(INIT_BINARY.toString());
        }
        if (Boolean.TRUE.equals(record.resourceViews())) {
            views.apply(record.id(), builder);
        }
        Spec built = builder.build();
        Spec withSyscalls = Boolean.TRUE.equals(record.resourceViews()) ? views.withSyscallViews(record.id(), built) : built;
        Spec spec = OciHooks.load(hooksDirs).apply(withSyscalls);
        checkWorkingDir(record.id(), imageFiles, spec.process().cwd());
        return new Planned(spec, withSyscalls != built);
    }

    /** A bundle's spec, and whether it gives the container syscall views ({@link ResourceViews#withSyscallViews}). */
    record Planned(Spec spec, boolean syscallViews) {
    }

    /** Writes {@code spec} (from {@link #spec}) as the bundle of the container whose rootfs is now mounted. */
    void write(ContainerPaths paths, String id, Spec spec) {
        Path bundle = paths.bundle();
        makeWorkingDir(id, bundle.resolve("rootfs"), spec.process().cwd());
        OciJson.writeAtomically(bundle.resolve("config.json"), spec);
    }

    /** The files NetworkSetup wrote, writable as with Podman; a volume the user put on one of them wins. */
    private static void bindEtcFiles(ContainerPaths paths, ContainerCreate c, SpecBuilder builder) {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("/etc/hosts", paths.hosts());
        files.put("/etc/hostname", paths.hostname());
        files.put("/etc/resolv.conf", paths.resolvConf());
        files.forEach((destination, source) -> {
            boolean userVolume = c.volumes() != null && c.volumes().stream().anyMatch(v -> destination.equals(v.destination()));
            if (!userVolume) {
                builder.bindMount(source.toString(), destination, SpecBuilder.Access.READ_WRITE,
                        SpecBuilder.Propagation.PRIVATE);
            }
        });
    }

    /**
     * A read-only volume ({@code -v SRC:DST:ro}) is read-only with every mount below SRC, as with Podman and
     * Docker 25: a read-only {@code /:/host} must not leave the host's /proc, /sys and cgroups writable.
     */
    private static SpecBuilder.Access volumeAccess(ContainerRecord record, ContainerCreate.Volume v,
                                                   boolean recursiveReadOnly) {
        if (!v.readOnly()) {
            return SpecBuilder.Access.READ_WRITE;
        }
        if (!recursiveReadOnly) {
            LOG.log(System.Logger.Level.WARNING, "create container {0}: volume {1}:{2} is read-only at its top "
                    + "only: the runtime or this kernel cannot make mounts read-only recursively (runc 1.1 and "
                    + "Linux 5.12 can); mounts below {1} stay writable", record.id(), v.source(), v.destination());
            return SpecBuilder.Access.READ_ONLY;
        }
        return SpecBuilder.Access.RECURSIVE_READ_ONLY;
    }

    /**
     * The working directory can be made in the rootfs {@code imageFiles} will make: every part of it the image
     * has is a directory (after its symlinks), as {@link #makeWorkingDir} needs.
     */
    private static void checkWorkingDir(String id, RootfsTree imageFiles, String cwd) {
        if (cwd == null || cwd.isEmpty()) {
            return;
        }
        List<String> parts = RootfsPaths.components(imageFiles, cwd);
        for (int i = 1; i <= parts.size(); i++) {
            Path entry = imageFiles.entry(parts.subList(0, i));
            if (entry == null) {
                return;
            }
            if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                throw BerthException.invalid("create container " + id + ": working directory " + cwd + ": /"
                        + String.join("/", parts.subList(0, i)) + " is not a directory in the image");
            }
        }
    }

    /**
     * Makes the working directory in the rootfs, as Docker does, with its symlinks resolved inside the rootfs:
     * runc's own mkdir of it fails ("file exists") where the image has it as a symlink to a directory not yet
     * there. No process runs in the rootfs yet, so the resolution cannot race with one.
     */
    private static void makeWorkingDir(String id, Path rootfs, String cwd) {
        if (cwd == null || cwd.isEmpty()) {
            return;
        }
        Path dir = RootfsPaths.resolve(rootfs, cwd);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw BerthException.invalid("create container " + id + ": working directory " + cwd + ": "
                    + BerthException.describe(e));
        }
    }

    private static void applyLinux(ContainerPaths paths, ContainerRecord record, ContainerCreate.LinuxOptions l,
                                   SpecBuilder builder) {
        if (l == null) {
            builder.hostname(record.id().substring(0, 12));
            return;
        }
        if (l.hostname() != null && !l.hostname().isEmpty()) {
            builder.hostname(l.hostname());
        }
        if (l.joinNamespaces() != null) {
            l.joinNamespaces().forEach(builder::joinNamespace);
        }
        if (l.hostNamespaces() != null) {
            l.hostNamespaces().forEach(builder::hostNamespace);
        }
        builder.sysctls(l.sysctls())
                .security(l.security())
                .cpuQuota(l.cpuQuota(), l.cpuPeriod())
                .cpuset(l.cpusetCpus(), l.cpusetMems())
                .oomScoreAdj(l.oomScoreAdj());
        if (l.cpuShares() != null && l.cpuShares() != 0) {
            builder.cpuShares(l.cpuShares());
        }
        List<ContainerCreate.Mount> mounts = l.mounts() == null ? List.of() : l.mounts();
        for (int i = 0; i < mounts.size(); i++) {
            ContainerCreate.Mount m = mounts.get(i);
            if (m.image() != null) {
                builder.bindMount(paths.imageVolume(i).resolve("merged").toString(), m.containerPath(), true);
                continue;
            }
            if (m.hostPath() == null || !Files.exists(Path.of(m.hostPath()))) {
                throw BerthException.invalid("create container " + record.id() + ": mount source " + m.hostPath()
                        + " does not exist");
            }
            builder.bindMount(m.hostPath(), m.containerPath(), m.recursiveReadOnly()
                    ? SpecBuilder.Access.RECURSIVE_READ_ONLY : m.readOnly() ? SpecBuilder.Access.READ_ONLY
                    : SpecBuilder.Access.READ_WRITE,
                    m.propagation() != null ? m.propagation() : SpecBuilder.Propagation.PRIVATE);
        }
        for (ContainerCreate.Device d : l.devices() == null ? List.<ContainerCreate.Device>of() : l.devices()) {
            builder.device(d.hostPath(), d.containerPath(), d.permissions());
        }
    }

    /** The bundle's config.json; NOT_FOUND or INVALID_ARGUMENT naming the file if it is missing or malformed. */
    static Spec read(Path bundle) {
        return OciJson.read(bundle.resolve("config.json"), Spec.class);
    }

    /** Adds the resource views' bind mounts to the bundle of a container made without them, for its next start. */
    void addResourceViews(Path bundle, String id) {
        Spec current = read(bundle);
        SpecBuilder builder = SpecBuilder.from(current).args(current.process().args());
        views.apply(id, builder);
        OciJson.writeAtomically(bundle.resolve("config.json"), builder.build());
    }

    /** Keeps the bundle's resources in step with a live update, so a restart applies the new limits. */
    void updateResources(Path bundle, ContainerRecord record) {
        Path file = bundle.resolve("config.json");
        ContainerCreate c = record.config();
        Spec current = read(bundle);
        SpecBuilder builder = SpecBuilder.from(current).args(current.process().args())
                .memory(c.memory()).cpus(c.cpus()).pidsLimit(c.pidsLimit()).blkioWeight(c.blkioWeight());
        ContainerCreate.LinuxOptions l = c.linux();
        if (l != null) {
            builder.cpuQuota(l.cpuQuota(), l.cpuPeriod()).cpuset(l.cpusetCpus(), l.cpusetMems());
            if (l.cpuShares() != null && l.cpuShares() != 0) {
                builder.cpuShares(l.cpuShares());
            }
        }
        Spec spec = builder.build();
        OciJson.writeAtomically(file, spec);
    }
}
