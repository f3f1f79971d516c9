package dev.berth.oci.bundle;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.runtime.Linux;
import dev.berth.oci.spec.runtime.LinuxResources;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Root;
import dev.berth.oci.spec.runtime.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a container's spec: secure defaults, then the image config, then the user's options, with
 * Docker's precedence rules. Options are only recorded until {@link #build()}, so the order of the
 * calls does not matter. Not thread-safe; one builder per container.
 */
public final class SpecBuilder {
    /** Docker's minimum memory limit; below it runc and the kernel fail in confusing ways. */
    public static final long MIN_MEMORY = 6L << 20;

    private final Spec base;
    private ImageConfig.Config image;
    private List<String> entrypoint;
    private List<String> cmd;
    private List<String> args;
    private String initBinary;
    private final List<String> env = new ArrayList<>();
    private String workingDir;
    private String user;
    private RootfsTree userTree;
    private Boolean tty;
    private final List<Mount> binds = new ArrayList<>();
    private String hostname;
    private boolean hostNetwork;
    private String cgroupsPath;
    private Long memory;
    private Long memorySwap;
    private Double cpus;
    private Long cpuShares;
    private Long pidsLimit;
    private Long blkioWeight;
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private String rootPath;
    private Boolean readonlyRootfs;
    private SecurityOptions security;
    private final Map<String, String> joinNamespaces = new LinkedHashMap<>();
    private final List<String> hostNamespaces = new ArrayList<>();
    private final Map<String, String> sysctls = new LinkedHashMap<>();
    private final List<Linux.Device> devices = new ArrayList<>();
    private final List<LinuxResources.DeviceRule> deviceRules = new ArrayList<>();
    private String rootfsPropagation;
    private Long cpuQuota;
    private Long cpuPeriod;
    private String cpusetCpus;
    private String cpusetMems;
    private Integer oomScoreAdj;

    private SpecBuilder(Spec base) {
        this.base = base;
    }

    /** Starts from {@link SpecDefaults#secure()} (RLIMIT_NOFILE capped at this process's hard limit). */
    public static SpecBuilder secureDefaults() {
        return new SpecBuilder(SpecDefaults.secure());
    }

    /** Starts from {@link SpecDefaults#secure(long)}. */
    public static SpecBuilder secureDefaults(long hostNofileHard) {
        return new SpecBuilder(SpecDefaults.secure(hostNofileHard));
    }

    /** Starts from any spec; its process, if any, is the lowest layer of the merge. */
    public static SpecBuilder from(Spec base) {
        return new SpecBuilder(base);
    }

    /** The image's runtime defaults ({@code config} of the image config); null means none. */
    public SpecBuilder imageConfig(ImageConfig imageConfig) {
        this.image = imageConfig == null ? null : imageConfig.config();
        return this;
    }

    public SpecBuilder imageConfig(ImageConfig.Config config) {
        this.image = config;
        return this;
    }

    /**
     * Replaces the image's Entrypoint. As in Docker, a non-empty entrypoint also drops the image's
     * Cmd; an empty list (or {@code [""]}) clears the entrypoint and keeps the image's Cmd unless
     * {@link #cmd} is given; null means "not given".
     */
    public SpecBuilder entrypoint(List<String> entrypoint) {
        this.entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        return this;
    }

    /** Replaces the image's Cmd; null or empty means "not given". */
    public SpecBuilder cmd(List<String> cmd) {
        this.cmd = cmd == null ? null : List.copyOf(cmd);
        return this;
    }

    /** The whole argv, bypassing Entrypoint/Cmd merging (exec-style callers). */
    public SpecBuilder args(List<String> args) {
        this.args = args == null ? null : List.copyOf(args);
        return this;
    }

    /** KEY=VALUE entries; they override the image's (and earlier ones) by key. */
    public SpecBuilder env(List<String> env) {
        if (env != null) {
            this.env.addAll(env);
        }
        return this;
    }

    public SpecBuilder env(String key, String value) {
        this.env.add(key + "=" + value);
        return this;
    }

    /** Absolute path; overrides the image's WorkingDir. */
    public SpecBuilder workingDir(String workingDir) {
        this.workingDir = workingDir;
        return this;
    }

    /** "uid", "uid:gid", "name" or "name:group"; overrides the image's User. */
    public SpecBuilder user(String user) {
        this.user = user;
        return this;
    }

    /** The rootfs on the host whose /etc/passwd and /etc/group resolve user and group names. */
    public SpecBuilder resolveUsersIn(Path rootfs) {
        this.userTree = rootfs == null ? null : RootfsTree.directory(rootfs);
        return this;
    }

    /** The rootfs tree, such as an image's layers not yet mounted, whose /etc/passwd and /etc/group resolve users. */
    public SpecBuilder resolveUsersIn(RootfsTree tree) {
        this.userTree = tree;
        return this;
    }

    /** process.terminal; with a terminal TERM=xterm is set unless given. */
    public SpecBuilder tty(boolean tty) {
        this.tty = tty;
        return this;
    }

    /** A recursive private bind mount; it replaces a default mount at the same destination. */
    public SpecBuilder bindMount(String source, String destination, boolean readOnly) {
        return bindMount(source, destination, readOnly, Propagation.PRIVATE);
    }

    /** Mount propagation of a bind mount, as the CRI names them. */
    public enum Propagation { PRIVATE, HOST_TO_CONTAINER, BIDIRECTIONAL }

    /**
     * What a container may write through a bind mount. READ_ONLY makes the bound mount read-only but leaves
     * the mounts below it as they are (a bound / keeps a writable /proc, /sys, /dev/shm); RECURSIVE_READ_ONLY
     * makes every one of them read-only: runc's {@code rro}, mount_setattr(2) with AT_RECURSIVE (runc 1.1,
     * Linux 5.12). It needs private propagation, or a mount the host adds later would come in writable.
     */
    public enum Access { READ_WRITE, READ_ONLY, RECURSIVE_READ_ONLY }

    public SpecBuilder bindMount(String source, String destination, boolean readOnly, Propagation propagation) {
        return bindMount(source, destination, readOnly ? Access.READ_ONLY : Access.READ_WRITE, propagation);
    }

    /**
     * A recursive bind mount with the given propagation; the rootfs propagation follows, since the kernel
     * passes mount events only through mounts that are themselves slaves or shared.
     */
    public SpecBuilder bindMount(String source, String destination, Access access, Propagation propagation) {
        if (source == null || !source.startsWith("/")) {
            throw BerthException.invalid("bind mount " + source + ":" + destination + ": source must be an absolute path");
        }
        if (destination == null || !destination.startsWith("/") || Path.of(destination).normalize().toString().equals("/")) {
            throw BerthException.invalid("bind mount " + source + ":" + destination + ": destination must be an absolute path other than /");
        }
        List<String> options = new ArrayList<>(List.of("rbind", switch (propagation) {
            case PRIVATE -> "rprivate";
            case HOST_TO_CONTAINER -> "rslave";
            case BIDIRECTIONAL -> "rshared";
        }));
        if (propagation == Propagation.BIDIRECTIONAL) {
            rootfsPropagation = "rshared";
        } else if (propagation == Propagation.HOST_TO_CONTAINER && !"rshared".equals(rootfsPropagation)) {
            rootfsPropagation = "rslave";
        }
        if (access == Access.RECURSIVE_READ_ONLY && propagation != Propagation.PRIVATE) {
            throw BerthException.invalid("bind mount " + source + ":" + destination
                    + ": a recursively read-only mount needs private propagation");
        }
        switch (access) {
            case READ_WRITE -> { }
            case READ_ONLY -> options.add("ro");
            // ro as well: the bound mount itself is read-only through the same remount as a plain ro one
            case RECURSIVE_READ_ONLY -> options.addAll(List.of("ro", "rro"));
        }
        binds.add(new Mount(destination, "bind", source, List.copyOf(options)));
        return this;
    }

    public SpecBuilder hostname(String hostname) {
        this.hostname = hostname;
        return this;
    }

    /** True shares the host's network namespace; false (default) gives the container its own. */
    public SpecBuilder hostNetwork(boolean hostNetwork) {
        this.hostNetwork = hostNetwork;
        return this;
    }

    public SpecBuilder cgroupsPath(String cgroupsPath) {
        this.cgroupsPath = cgroupsPath;
        return this;
    }

    /** Memory limit in bytes (at least {@link #MIN_MEMORY}); null leaves it unlimited. */
    public SpecBuilder memory(Long bytes) {
        this.memory = bytes;
        return this;
    }

    /** Memory+swap limit in bytes (cgroup v1 memsw semantics); -1 is unlimited swap. */
    public SpecBuilder memorySwap(Long bytes) {
        this.memorySwap = bytes;
        return this;
    }

    /** CPUs as CFS quota over a 100 ms period (1.5 → 150000/100000). */
    public SpecBuilder cpus(Double cpus) {
        this.cpus = cpus;
        return this;
    }

    public SpecBuilder cpuShares(Long shares) {
        this.cpuShares = shares;
        return this;
    }

    /** Maximum number of tasks; -1 is unlimited. */
    public SpecBuilder pidsLimit(Long pidsLimit) {
        this.pidsLimit = pidsLimit;
        return this;
    }

    /** {@code linux.resources.blockIO.weight}, 10..1000; the caller checks the range (daemon InputRules). */
    public SpecBuilder blkioWeight(Long weight) {
        this.blkioWeight = weight;
        return this;
    }

    public SpecBuilder annotations(Map<String, String> annotations) {
        if (annotations != null) {
            this.annotations.putAll(annotations);
        }
        return this;
    }

    public SpecBuilder annotation(String key, String value) {
        this.annotations.put(key, value);
        return this;
    }

    /** root.path, relative to the bundle (default "rootfs") or absolute. */
    public SpecBuilder rootPath(String path) {
        this.rootPath = path;
        return this;
    }

    public SpecBuilder readonlyRootfs(boolean readonly) {
        this.readonlyRootfs = readonly;
        return this;
    }

    public SpecBuilder security(SecurityOptions security) {
        this.security = security;
        return this;
    }

    /** Joins the namespace bound at {@code path} (pid, ipc, uts, network) instead of making a new one. */
    public SpecBuilder joinNamespace(String type, String path) {
        joinNamespaces.put(type, path);
        return this;
    }

    /** Shares the host's namespace of this type (pid, ipc, uts, network). */
    public SpecBuilder hostNamespace(String type) {
        hostNamespaces.add(type);
        return this;
    }

    public SpecBuilder sysctls(Map<String, String> values) {
        if (values != null) {
            sysctls.putAll(values);
        }
        return this;
    }

    /** A host device node made in the container at {@code containerPath}, with cgroup access {@code permissions}. */
    public SpecBuilder device(String hostPath, String containerPath, String permissions) {
        String perms = permissions == null || permissions.isEmpty() ? "rwm" : permissions;
        if (!perms.matches("[rwm]{1,3}")) {
            throw BerthException.invalid("device " + hostPath + ": permissions must be made of r, w and m, not " + perms);
        }
        if (containerPath == null || !containerPath.startsWith("/")) {
            throw BerthException.invalid("device " + hostPath + ": container path must be absolute, not " + containerPath);
        }
        DeviceNode node = DeviceNode.of(Path.of(hostPath));
        devices.add(new Linux.Device(node.type(), containerPath, node.major(), node.minor(), node.mode(), 0L, 0L));
        deviceRules.add(new LinuxResources.DeviceRule(true, node.type(), node.major(), node.minor(), perms));
        return this;
    }

    /** CFS quota and period in microseconds, as the CRI gives them (0 or null leaves them unset). */
    public SpecBuilder cpuQuota(Long quota, Long period) {
        this.cpuQuota = quota != null && quota != 0 ? quota : null;
        this.cpuPeriod = period != null && period != 0 ? period : null;
        return this;
    }

    public SpecBuilder cpuset(String cpus, String mems) {
        this.cpusetCpus = cpus == null || cpus.isEmpty() ? null : cpus;
        this.cpusetMems = mems == null || mems.isEmpty() ? null : mems;
        return this;
    }

    public SpecBuilder oomScoreAdj(Integer adj) {
        this.oomScoreAdj = adj;
        return this;
    }

    /** Where {@link #init} binds the init binary in the container (Podman's is /run/podman-init). */
    public static final String INIT_PATH = "/run/berth-init";

    /**
     * Runs the command under a small init (a static tini): it reaps the command's orphans and passes signals on,
     * as PID 1 should; the host's binary is bound read-only at {@link #INIT_PATH}.
     */
    public SpecBuilder init(String hostBinary) {
        this.initBinary = hostBinary;
        return bindMount(hostBinary, INIT_PATH, Access.READ_ONLY, Propagation.PRIVATE);
    }

    /** The spec; INVALID_ARGUMENT when there is no command or an option is invalid. */
    public Spec build() {
        Spec spec = base;
        Process p = spec.process() != null ? spec.process()
                : new Process(null, null, new Process.User(0, 0), null, null, "/", null, null, null, null, null, null);

        List<String> argv = args != null ? args : mergeCommand();
        if (argv.isEmpty()) {
            throw BerthException.invalid("build spec: no command: neither the image nor the options give an entrypoint or cmd");
        }
        if (initBinary != null) {
            List<String> underInit = new ArrayList<>(List.of(INIT_PATH, "--"));
            underInit.addAll(argv);
            argv = underInit;
        }
        p = p.withArgs(argv);
        if (tty != null) {
            p = p.withTerminal(tty);
        }
        p = p.withEnv(mergeEnv(p.env(), Boolean.TRUE.equals(p.terminal())));
        p = p.withCwd(mergeCwd(p.cwd()));
        // A security context's uid stands for the image's user, so its /etc/group memberships are the ones found.
        String u = user != null && !user.isBlank() ? user
                : security != null && security.runAsUser() != null ? security.runAsUser().toString()
                : image != null && image.user() != null && !image.user().isBlank() ? image.user() : null;
        if (u != null) {
            p = p.withUser(UserResolver.in(userTree).resolve(u).toSpecUser());
        }
        spec = spec.withProcess(p);

        if (!binds.isEmpty()) {
            List<Mount> mounts = new ArrayList<>();
            for (Mount m : spec.mounts() == null ? List.<Mount>of() : spec.mounts()) {
                if (binds.stream().noneMatch(b -> samePath(b.destination(), m.destination()))) {
                    mounts.add(m);
                }
            }
            mounts.addAll(binds);
            spec = spec.withMounts(List.copyOf(mounts));
        }
        if (hostname != null) {
            spec = spec.withHostname(hostname);
        }
        if (!annotations.isEmpty()) {
            Map<String, String> a = new LinkedHashMap<>(spec.annotations() == null ? Map.of() : spec.annotations());
            a.putAll(annotations);
            spec = spec.withAnnotations(a);
        }
        Root root = spec.root() != null ? spec.root() : new Root("rootfs", false);
        if (rootPath != null) {
            root = new Root(rootPath, root.readonly());
        }
        if (readonlyRootfs != null) {
            root = new Root(root.path(), readonlyRootfs);
        }
        spec = spec.withRoot(root);
        if (oomScoreAdj != null) {
            spec = spec.withProcess(spec.process().withOomScoreAdj(oomScoreAdj));
        }
        spec = spec.withLinux(linux(spec.linux()));
        if (security != null) {
            spec = security.applyTo(spec, SecurityOptions.apparmorEnabled(), SecurityOptions.hostBoundingSet());
            if (security.readonlyRootfs()) {
                spec = spec.withRoot(new Root(spec.root().path(), true));
            }
        }
        return spec;
    }

    /** Docker's rule (moby daemon/commit.go merge): see {@link #entrypoint(List)}. */
    private List<String> mergeCommand() {
        List<String> imageEntrypoint = image != null && image.entrypoint() != null ? image.entrypoint() : List.of();
        List<String> imageCmd = image != null && image.cmd() != null ? image.cmd() : List.of();
        List<String> userEntrypoint = entrypoint;
        if (userEntrypoint != null && userEntrypoint.size() == 1 && userEntrypoint.get(0).isEmpty()) {
            userEntrypoint = List.of();
        }
        List<String> userCmd = cmd == null ? List.of() : cmd;

        List<String> ep;
        List<String> c;
        if (userEntrypoint != null && !userEntrypoint.isEmpty()) {
            ep = userEntrypoint;
            c = userCmd;
        } else {
            ep = userEntrypoint != null ? List.of() : imageEntrypoint;
            c = userCmd.isEmpty() ? imageCmd : userCmd;
        }
        List<String> out = new ArrayList<>(ep);
        out.addAll(c);
        return List.copyOf(out);
    }

    private List<String> mergeEnv(List<String> baseEnv, boolean terminal) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (List<String> layer : List.of(baseEnv == null ? List.<String>of() : baseEnv,
                image != null && image.env() != null ? image.env() : List.<String>of(), env)) {
            for (String e : layer) {
                int eq = e.indexOf('=');
                String key = eq < 0 ? e : e.substring(0, eq);
                if (key.isEmpty()) {
                    throw BerthException.invalid("build spec: invalid environment entry \"" + e + "\": empty name");
                }
                // An override keeps the position of the first entry, as Docker's ReplaceOrAppendEnvValues.
                byKey.put(key, e);
            }
        }
        byKey.putIfAbsent("PATH", SpecDefaults.DEFAULT_PATH);
        if (terminal) {
            byKey.putIfAbsent("TERM", "TERM=xterm");
        }
        if (hostname != null && !hostname.isEmpty()) {
            byKey.putIfAbsent("HOSTNAME", "HOSTNAME=" + hostname);
        }
        return List.copyOf(byKey.values());
    }

    private String mergeCwd(String baseCwd) {
        if (workingDir != null && !workingDir.isEmpty()) {
            if (!workingDir.startsWith("/")) {
                throw BerthException.invalid("build spec: working directory \"" + workingDir + "\" is not an absolute path");
            }
            return workingDir;
        }
        if (image != null && image.workingDir() != null && !image.workingDir().isEmpty()) {
            // Docker joins a relative image WorkingDir to /.
            return image.workingDir().startsWith("/") ? image.workingDir() : "/" + image.workingDir();
        }
        return baseCwd != null && !baseCwd.isEmpty() ? baseCwd : "/";
    }

    private Linux linux(Linux l) {
        if (l == null) {
            l = new Linux(null, null, null, null, null, null, null, null, null, null, null, null);
        }
        if (l.namespaces() != null) {
            List<Linux.Namespace> namespaces = new ArrayList<>();
            for (Linux.Namespace n : l.namespaces()) {
                if (hostNamespaces.contains(n.type()) || (hostNetwork && "network".equals(n.type()))) {
                    continue;
                }
                namespaces.add(joinNamespaces.containsKey(n.type())
                        ? new Linux.Namespace(n.type(), joinNamespaces.get(n.type())) : n);
            }
            l = l.withNamespaces(List.copyOf(namespaces));
        }
        if (!sysctls.isEmpty()) {
            Sysctls.check(sysctls, l.namespaces());
            l = l.withSysctl(Map.copyOf(sysctls));
        }
        if (rootfsPropagation != null) {
            l = l.withRootfsPropagation(rootfsPropagation);
        }
        if (!devices.isEmpty()) {
            List<Linux.Device> all = new ArrayList<>(l.devices() == null ? List.of() : l.devices());
            all.addAll(devices);
            l = l.withDevices(List.copyOf(all));
        }
        if (cgroupsPath != null) {
            l = l.withCgroupsPath(cgroupsPath);
        }
        LinuxResources r = l.resources() != null ? l.resources() : LinuxResources.empty();
        if (!deviceRules.isEmpty()) {
            List<LinuxResources.DeviceRule> rules = new ArrayList<>(r.devices() == null ? List.of() : r.devices());
            rules.addAll(deviceRules);
            r = r.withDevices(List.copyOf(rules));
        }
        if (memory != null || memorySwap != null) {
            if (memory != null && memory < MIN_MEMORY) {
                throw BerthException.invalid("build spec: memory limit " + memory + " is below the minimum of " + MIN_MEMORY + " bytes");
            }
            if (memorySwap != null && memorySwap != -1 && (memory == null || memorySwap < memory)) {
                throw BerthException.invalid("build spec: memory+swap limit " + memorySwap + " needs a memory limit no larger than it");
            }
            LinuxResources.Memory m = r.memory() != null ? r.memory() : new LinuxResources.Memory(null, null, null, null, null, null);
            r = r.withMemory(new LinuxResources.Memory(memory != null ? memory : m.limit(), m.reservation(),
                    memorySwap != null ? memorySwap : m.swap(), m.kernel(), m.swappiness(), m.disableOOMKiller()));
        }
        if (cpus != null || cpuShares != null || cpuQuota != null || cpuPeriod != null || cpusetCpus != null
                || cpusetMems != null) {
            LinuxResources.Cpu c = r.cpu() != null ? r.cpu() : new LinuxResources.Cpu(null, null, null, null, null, null, null);
            if (cpuQuota != null || cpuPeriod != null) {
                if ((cpuQuota != null && cpuQuota < 1000 && cpuQuota != -1) || (cpuPeriod != null
                        && (cpuPeriod < 1000 || cpuPeriod > 1_000_000))) {
                    throw BerthException.invalid("build spec: cpu quota " + cpuQuota + " / period " + cpuPeriod
                            + " out of range (quota >= 1000 us or -1, period 1000-1000000 us)");
                }
                c = new LinuxResources.Cpu(c.shares(), cpuQuota, cpuPeriod != null ? cpuPeriod
                        : LinuxResources.Cpu.PERIOD_US, c.realtimeRuntime(), c.realtimePeriod(), c.cpus(), c.mems());
            }
            if (cpusetCpus != null) {
                c = c.withCpus(cpusetCpus);
            }
            if (cpusetMems != null) {
                c = c.withMems(cpusetMems);
            }
            if (cpus != null) {
                LinuxResources.Cpu q = LinuxResources.Cpu.ofCpus(cpus);
                c = new LinuxResources.Cpu(c.shares(), q.quota(), q.period(), c.realtimeRuntime(), c.realtimePeriod(), c.cpus(), c.mems());
            }
            if (cpuShares != null) {
                if (cpuShares < 2 || cpuShares > 262144) {
                    throw BerthException.invalid("build spec: cpu shares " + cpuShares + " outside 2-262144");
                }
                c = c.withShares(cpuShares);
            }
            r = r.withCpu(c);
        }
        if (pidsLimit != null) {
            if (pidsLimit == 0 || pidsLimit < -1) {
                throw BerthException.invalid("build spec: pids limit " + pidsLimit + " must be positive or -1 (unlimited)");
            }
            r = r.withPids(new LinuxResources.Pids(pidsLimit));
        }
        if (blkioWeight != null) {
            r = r.withBlockIO(new LinuxResources.BlockIO(Math.toIntExact(blkioWeight)));
        }
        return l.withResources(r);
    }

    private static boolean samePath(String a, String b) {
        return a != null && b != null && Path.of(a).normalize().equals(Path.of(b).normalize());
    }
}
