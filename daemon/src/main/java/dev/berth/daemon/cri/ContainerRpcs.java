package dev.berth.daemon.cri;

import dev.berth.cgroups.CgroupStats;
import dev.berth.cri.v1.ContainerAttributes;
import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerFilter;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.ContainerResources;
import dev.berth.cri.v1.ContainerState;
import dev.berth.cri.v1.ContainerStats;
import dev.berth.cri.v1.ContainerStatsRequest;
import dev.berth.cri.v1.ContainerStatsResponse;
import dev.berth.cri.v1.ContainerStatus;
import dev.berth.cri.v1.ContainerStatusRequest;
import dev.berth.cri.v1.ContainerStatusResponse;
import dev.berth.cri.v1.ContainerUser;
import dev.berth.cri.v1.CpuUsage;
import dev.berth.cri.v1.CreateContainerRequest;
import dev.berth.cri.v1.CreateContainerResponse;
import dev.berth.cri.v1.ExecSyncRequest;
import dev.berth.cri.v1.ExecSyncResponse;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.LinuxContainerResources;
import dev.berth.cri.v1.LinuxContainerUser;
import dev.berth.cri.v1.ListContainerStatsRequest;
import dev.berth.cri.v1.ListContainerStatsResponse;
import dev.berth.cri.v1.ListContainersRequest;
import dev.berth.cri.v1.ListContainersResponse;
import dev.berth.cri.v1.MemoryUsage;
import dev.berth.cri.v1.Mount;
import dev.berth.cri.v1.MountPropagation;
import dev.berth.cri.v1.RemoveContainerRequest;
import dev.berth.cri.v1.RemoveContainerResponse;
import dev.berth.cri.v1.ReopenContainerLogRequest;
import dev.berth.cri.v1.ReopenContainerLogResponse;
import dev.berth.cri.v1.StartContainerRequest;
import dev.berth.cri.v1.StartContainerResponse;
import dev.berth.cri.v1.StopContainerRequest;
import dev.berth.cri.v1.StopContainerResponse;
import dev.berth.cri.v1.UInt64Value;
import dev.berth.cri.v1.UpdateContainerResourcesRequest;
import dev.berth.cri.v1.UpdateContainerResourcesResponse;
import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.InputRules;
import dev.berth.daemon.container.RequestFields;
import dev.berth.daemon.pod.PodRecord;
import dev.berth.daemon.pod.PodService;
import dev.berth.daemon.pod.SingleFlight;
import dev.berth.daemon.store.ContainerRecord;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.bundle.SpecBuilder;
import dev.berth.shim.ExecSession;
import dev.berth.shim.Frame;
import dev.berth.shim.ShimClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The container RPCs of runtime.v1.RuntimeService over {@link ContainerService}, in the pods of {@link PodService}. */
final class ContainerRpcs {
    private static final System.Logger LOG = System.getLogger(ContainerRpcs.class.getName());
    /** ExecSync output cap per stream (CVE-2022-1708): the rest is read and dropped. */
    static final int EXEC_SYNC_OUTPUT_CAP = 16 << 20;
    /** Annotation that turns the /proc resource views off for one container. */
    static final String RESOURCE_VIEWS_ANNOTATION = "io.berth.resource-views";
    private static final String CRI_NAME = "io.berth.cri.name";
    private static final String CRI_ATTEMPT = "io.berth.cri.attempt";

    private final ContainerService containers;
    private final PodService pods;
    private final ExecutorService streams;
    private final SingleFlight creations = new SingleFlight();

    ContainerRpcs(ContainerService containers, PodService pods, ExecutorService streams) {
        this.containers = containers;
        this.pods = pods;
        this.streams = streams;
    }

    CreateContainerResponse create(CreateContainerRequest request) {
        if (!request.hasConfig()) {
            throw BerthException.invalid("CreateContainer: config is required");
        }
        PodRecord pod = pods.get(request.getPodSandboxId());
        if (pod.state() != PodRecord.State.READY) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, "CreateContainer: pod " + pod.id()
                    + " is not ready");
        }
        ContainerConfig c = request.getConfig();
        InputRules.checkMetadata("CreateContainer: metadata.name", c.getMetadata().getName());
        // Checked before it is joined to the pod's log directory, which a NUL would make fail as a path.
        InputRules.checkPath("CreateContainer: config.log_path", c.getLogPath());
        if (c.getImage().getImage().isEmpty()) {
            throw BerthException.invalid("CreateContainer: image is required");
        }
        PodRecord.Metadata pm = pod.metadata();
        String name = "k8s_" + c.getMetadata().getName() + "_" + pm.name() + "_" + pm.namespace() + "_" + pm.uid()
                + "_" + Integer.toUnsignedString(c.getMetadata().getAttempt());
        // kubelet retries a create that outlived its deadline with the same name: hand back what was made.
        String id = creations.run(name, () -> byName(name).map(Container::id).orElseGet(() -> created(pod, name, c)));
        return CreateContainerResponse.newBuilder().setContainerId(id).build();
    }

    /** A new container with the config it was asked with kept beside it, or none at all. */
    private String created(PodRecord pod, String name, ContainerConfig c) {
        String id = containers.create(config(pod, name, c), RequestFields.CRI_CREATE).id();
        try {
            CriConfigFile.write(containers.paths(id).dir(), c);
        } catch (RuntimeException e) {
            containers.remove(id, true);
            throw e;
        }
        return id;
    }

    private ContainerCreate config(PodRecord pod, String name, ContainerConfig c) {
        Container infra = pods.infra(pod).filter(i -> i.state().isRunning()).orElseThrow(() -> new BerthException(
                BerthException.Kind.FAILED_PRECONDITION, "CreateContainer: the infra container of pod " + pod.id()
                + " is not running"));
        String infraNs = "/proc/" + infra.state().pid() + "/ns/";
        var sc = c.getLinux().getSecurityContext();
        var nsOptions = sc.getNamespaceOptions();
        Map<String, String> join = new LinkedHashMap<>();
        List<String> host = new ArrayList<>();
        if (pod.netns() != null) {
            join.put("network", pod.netns());
            join.put("uts", infraNs + "uts");
        } else {
            host.add("network");
            host.add("uts");
        }
        if (pod.ipc() == PodRecord.NamespaceMode.NODE) {
            host.add("ipc");
        } else {
            join.put("ipc", infraNs + "ipc");
        }
        switch (nsOptions.getPid()) {
            case POD -> join.put("pid", infraNs + "pid");
            case NODE -> host.add("pid");
            case TARGET -> join.put("pid", "/proc/" + containers.resolve(nsOptions.getTargetId(),
                    "join the pid namespace of").state().pid() + "/ns/pid");
            default -> {
            }
        }
        List<ContainerCreate.Mount> mounts = new ArrayList<>();
        boolean ownResolv = false;
        for (Mount m : c.getMountsList()) {
            ownResolv |= m.getContainerPath().equals("/etc/resolv.conf");
            String image = m.hasImage() && !m.getImage().getImage().isEmpty() ? m.getImage().getImage() : null;
            mounts.add(new ContainerCreate.Mount(image != null ? null : m.getHostPath(), m.getContainerPath(),
                    image != null || m.getReadonly(), propagation(m.getPropagation()), image,
                    m.getRecursiveReadOnly()));
        }
        if (!ownResolv) {
            mounts.add(new ContainerCreate.Mount(pods.resolvConf(pod).toString(), "/etc/resolv.conf", false,
                    SpecBuilder.Propagation.PRIVATE, null, false));
        }
        mounts.add(new ContainerCreate.Mount(pods.hostnameFile(pod).toString(), "/etc/hostname", false,
                SpecBuilder.Propagation.PRIVATE, null, false));
        List<ContainerCreate.Device> devices = c.getDevicesList().stream().map(d -> new ContainerCreate.Device(
                d.getHostPath(), d.getContainerPath(), d.getPermissions())).toList();
        LinuxContainerResources r = c.getLinux().getResources();
        ContainerCreate.LinuxOptions linux = new ContainerCreate.LinuxOptions(join, host, null, null,
                CriSecurity.of(sc), mounts, devices, pod.cgroupParent(), zeroToNull(r.getCpuShares()),
                zeroToNull(r.getCpuQuota()), zeroToNull(r.getCpuPeriod()), r.getCpusetCpus(), r.getCpusetMems(),
                oomScoreAdj(r.getOomScoreAdj()));
        Map<String, String> labels = new LinkedHashMap<>(c.getLabelsMap());
        labels.put(PodService.POD_LABEL, pod.id());
        Map<String, String> annotations = new LinkedHashMap<>(c.getAnnotationsMap());
        annotations.put(CRI_NAME, c.getMetadata().getName());
        annotations.put(CRI_ATTEMPT, Integer.toString(c.getMetadata().getAttempt()));
        List<String> env = c.getEnvsList().stream().map(kv -> kv.getKey() + "=" + kv.getValue()).toList();
        String logPath = pod.logDirectory() != null && !pod.logDirectory().isEmpty() && !c.getLogPath().isEmpty()
                ? Path.of(pod.logDirectory()).resolve(c.getLogPath()).toString() : null;
        Boolean views = "false".equals(c.getAnnotationsMap().get(RESOURCE_VIEWS_ANNOTATION)) ? Boolean.FALSE : null;
        return new ContainerCreate(name, c.getImage().getImage(),
                c.getCommandCount() > 0 ? c.getCommandList() : null, c.getArgsCount() > 0 ? c.getArgsList() : null,
                env, null, c.getWorkingDir(), sc.getRunAsUsername().isEmpty() ? null : sc.getRunAsUsername(),
                c.getTty(), c.getStdin(), zeroToNull(r.getMemoryLimitInBytes()), null, null, null,
                false, labels, null, views, pod.id(), annotations, logPath, linux, pod.runtimeHandler(), null, null);
    }

    /**
     * kubelet asks for negative scores for guaranteed pods; lowering the score needs CAP_SYS_RESOURCE, which
     * this berthd may lack, so it is raised to berthd's own (containerd's restrict_oom_score_adj).
     */
    private static Integer oomScoreAdj(long asked) {
        if (asked == 0) {
            return null;
        }
        int own = ownOomScoreAdj();
        // Clamped to int before the cast, so an out-of-range ask stays out of range for InputRules to refuse.
        return (int) Math.max(Math.min(asked, Integer.MAX_VALUE), own);
    }

    private static int ownOomScoreAdj() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static SpecBuilder.Propagation propagation(MountPropagation p) {
        return switch (p) {
            case PROPAGATION_HOST_TO_CONTAINER -> SpecBuilder.Propagation.HOST_TO_CONTAINER;
            case PROPAGATION_BIDIRECTIONAL -> SpecBuilder.Propagation.BIDIRECTIONAL;
            default -> SpecBuilder.Propagation.PRIVATE;
        };
    }

    StartContainerResponse start(StartContainerRequest request) {
        containers.start(criContainer(request.getContainerId()).id());
        return StartContainerResponse.getDefaultInstance();
    }

    StopContainerResponse stop(StopContainerRequest request) {
        if (find(request.getContainerId()).isPresent()) {
            containers.stop(request.getContainerId(), (int) Math.max(0, request.getTimeout()));
        }
        return StopContainerResponse.getDefaultInstance();
    }

    RemoveContainerResponse remove(RemoveContainerRequest request) {
        if (find(request.getContainerId()).isPresent()) {
            containers.remove(request.getContainerId(), true);
        }
        return RemoveContainerResponse.getDefaultInstance();
    }

    ListContainersResponse list(ListContainersRequest request) {
        ContainerFilter f = request.getFilter();
        ListContainersResponse.Builder out = ListContainersResponse.newBuilder();
        for (Container c : criContainers()) {
            ContainerState state = state(c);
            if ((f.getId().isEmpty() || c.id().startsWith(f.getId()))
                    && (f.getPodSandboxId().isEmpty() || c.record().config().podId().startsWith(f.getPodSandboxId()))
                    && (!f.hasState() || f.getState().getState() == state)
                    && CriLabels.match(c.record().config().labels(), f.getLabelSelectorMap())) {
                ContainerRecord r = c.record();
                out.addContainers(dev.berth.cri.v1.Container.newBuilder().setId(c.id())
                        .setPodSandboxId(r.config().podId()).setMetadata(metadata(r))
                        .setImage(ImageSpec.newBuilder().setImage(r.image())).setImageRef(r.imageId())
                        .setImageId(r.imageId()).setState(state).setCreatedAt(CriTime.nanos(r.createdAt()))
                        .putAllLabels(userLabels(r)).putAllAnnotations(userAnnotations(r)));
            }
        }
        return out.build();
    }

    ContainerStatusResponse status(ContainerStatusRequest request) {
        Container c = criContainer(request.getContainerId());
        ContainerStatusResponse.Builder out = ContainerStatusResponse.newBuilder().setStatus(status(c));
        if (request.getVerbose()) {
            out.putInfo("info", info(c).toString());
        }
        return out.build();
    }

    /**
     * The mounts are those the request asked for, as it asked (containerd and CRI-O report them so, without the
     * runtime's own /etc/resolv.conf and /etc/hostname); the resources those in force, UpdateContainerResources'
     * included; the user the one the runtime spec runs the process as.
     */
    ContainerStatus status(Container c) {
        ContainerRecord r = c.record();
        dev.berth.daemon.store.ContainerState s = c.state();
        ContainerStatus.Builder b = ContainerStatus.newBuilder().setId(c.id()).setMetadata(metadata(r))
                .setState(state(c)).setCreatedAt(CriTime.nanos(r.createdAt()))
                .setStartedAt(CriTime.nanos(s.startedAt())).setFinishedAt(CriTime.nanos(s.finishedAt()))
                .setImage(ImageSpec.newBuilder().setImage(r.image())).setImageRef(r.imageId()).setImageId(r.imageId())
                .putAllLabels(userLabels(r)).putAllAnnotations(userAnnotations(r))
                .setLogPath(r.config().logPath() == null ? "" : r.config().logPath())
                .addAllMounts(asked(c).map(ContainerConfig::getMountsList).orElse(List.of()))
                .setResources(ContainerResources.newBuilder().setLinux(resources(r.config())));
        runtimeSpec(c).map(ContainerRpcs::user).ifPresent(b::setUser);
        if (dev.berth.daemon.store.ContainerState.EXITED.equals(s.status())) {
            int code = s.exitCode() == null ? ContainerService.UNKNOWN_EXIT_CODE : s.exitCode();
            b.setExitCode(code).setReason(s.oomKilled() ? "OOMKilled" : code == 0 ? "Completed" : "Error");
            if (s.reason() != null && !s.oomKilled()) {
                b.setMessage(s.reason());
            }
        }
        return b.build();
    }

    private static LinuxContainerResources resources(ContainerCreate config) {
        LinuxContainerResources.Builder out = LinuxContainerResources.newBuilder();
        if (config.memory() != null) {
            out.setMemoryLimitInBytes(config.memory());
        }
        ContainerCreate.LinuxOptions l = config.linux();
        if (l != null) {
            Optional.ofNullable(l.cpuShares()).ifPresent(out::setCpuShares);
            Optional.ofNullable(l.cpuQuota()).ifPresent(out::setCpuQuota);
            Optional.ofNullable(l.cpuPeriod()).ifPresent(out::setCpuPeriod);
            Optional.ofNullable(l.cpusetCpus()).ifPresent(out::setCpusetCpus);
            Optional.ofNullable(l.cpusetMems()).ifPresent(out::setCpusetMems);
            Optional.ofNullable(l.oomScoreAdj()).ifPresent(out::setOomScoreAdj);
        }
        return out.build();
    }

    /** The runtime spec the container runs with (its bundle's config.json); none before the bundle is written. */
    Optional<JsonNode> runtimeSpec(Container c) {
        Path file = containers.paths(c.id()).bundle().resolve("config.json");
        try {
            return Optional.of(OciJson.mapper().readTree(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BerthException.internal("ContainerStatus of container " + c.id() + ": read " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The user the process runs as, from the runtime spec; the supplemental groups lead with the primary gid
     * (as containerd's spec has them, and as {@code id -G} shows them).
     */
    private static ContainerUser user(JsonNode spec) {
        JsonNode u = spec.path("process").path("user");
        long gid = u.path("gid").asLong();
        Set<Long> groups = new LinkedHashSet<>(List.of(gid));
        u.path("additionalGids").forEach(g -> groups.add(g.asLong()));
        return ContainerUser.newBuilder().setLinux(LinuxContainerUser.newBuilder().setUid(u.path("uid").asLong())
                .setGid(gid).addAllSupplementalGroups(groups)).build();
    }

    private Optional<ContainerConfig> asked(Container c) {
        return CriConfigFile.read(containers.paths(c.id()).dir(), ContainerConfig.parser(),
                "ContainerStatus of container " + c.id());
    }

    /** Verbose status in the shape of containerd's ContainerInfo: what crictl inspect shows. */
    private ObjectNode info(Container c) {
        ObjectNode info = OciJson.mapper().createObjectNode();
        info.put("sandboxID", c.record().config().podId());
        info.put("pid", c.state().isRunning() ? c.state().pid() : 0);
        info.put("removing", false);
        info.put("snapshotKey", c.id());
        info.put("snapshotter", "overlayfs");
        info.put("runtimeType", c.record().config().runtimeHandler() == null ? "runc"
                : c.record().config().runtimeHandler());
        asked(c).ifPresent(config -> info.set("config", CriJson.of(config)));
        runtimeSpec(c).ifPresent(s -> info.set("runtimeSpec", s));
        return info;
    }

    UpdateContainerResourcesResponse update(UpdateContainerResourcesRequest request) {
        Container c = criContainer(request.getContainerId());
        LinuxContainerResources r = request.getLinux();
        containers.update(c.id(), new ContainerUpdate(zeroToNull(r.getMemoryLimitInBytes()),
                null, null, zeroToNull(r.getCpuShares()), zeroToNull(r.getCpuQuota()), zeroToNull(r.getCpuPeriod()),
                r.getCpusetCpus().isEmpty() ? null : r.getCpusetCpus(),
                r.getCpusetMems().isEmpty() ? null : r.getCpusetMems(), null), RequestFields.CRI_UPDATE);
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }

    ReopenContainerLogResponse reopenLog(ReopenContainerLogRequest request) {
        Container c = criContainer(request.getContainerId());
        if (!c.state().isRunning()) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, "ReopenContainerLog: container "
                    + c.id() + " is not running");
        }
        new ShimClient(containers.paths(c.id()).shimDir()).reopenLog();
        return ReopenContainerLogResponse.getDefaultInstance();
    }

    /** Runs the command to its end or the timeout (then it is killed), output capped as the CRI asks. */
    ExecSyncResponse execSync(ExecSyncRequest request) {
        Container c = criContainer(request.getContainerId());
        if (request.getCmdCount() == 0) {
            throw BerthException.invalid("ExecSync in container " + c.id() + ": cmd is required");
        }
        ExecSession session = containers.exec(c, new ExecCreate(request.getCmdList(), false, false, null, null, null,
                null));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Future<Integer> exit = streams.submit(() -> {
            for (Frame f; (f = session.read()) != null; ) {
                if (f.stream() == Frame.EXIT) {
                    return exitCode(f.payload());
                }
                ByteArrayOutputStream to = f.stream() == Frame.STDERR ? stderr : stdout;
                synchronized (to) {
                    to.write(f.payload(), 0, Math.min(f.payload().length, EXEC_SYNC_OUTPUT_CAP - to.size()));
                }
            }
            return ContainerService.UNKNOWN_EXIT_CODE;
        });
        try {
            int code = request.getTimeout() > 0 ? exit.get(request.getTimeout(), TimeUnit.SECONDS) : exit.get();
            return ExecSyncResponse.newBuilder().setExitCode(code).setStdout(bytes(stdout))
                    .setStderr(bytes(stderr)).build();
        } catch (TimeoutException e) {
            killExec(c, session);
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "ExecSync in container " + c.id()
                    + ": command timed out after " + request.getTimeout() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killExec(c, session);
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "ExecSync in container " + c.id(), e);
        } catch (ExecutionException e) {
            throw BerthException.internal("ExecSync in container " + c.id() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } finally {
            closeQuietly(c, session);
        }
    }

    private void killExec(Container c, ExecSession session) {
        try {
            ProcessHandle.of(session.pid()).ifPresent(ProcessHandle::destroyForcibly);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "ExecSync in container {0}: kill pid {1}: {2}", c.id(), session.pid(), e.getMessage());
        }
    }

    private static void closeQuietly(Container c, ExecSession session) {
        try {
            session.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "ExecSync in container {0}: close: {1}", c.id(), e);
        }
    }

    private static ByteString bytes(ByteArrayOutputStream out) {
        synchronized (out) {
            return ByteString.copyFrom(out.toByteArray());
        }
    }

    /** The EXIT frame's payload is the exit code as decimal text (docs/shim-protocol.md). */
    private static int exitCode(byte[] payload) {
        return Integer.parseInt(new String(payload, java.nio.charset.StandardCharsets.US_ASCII).trim());
    }

    ContainerStatsResponse stats(ContainerStatsRequest request) {
        Container c = criContainer(request.getContainerId());
        return ContainerStatsResponse.newBuilder().setStats(stats(c, containers.stats(c))).build();
    }

    ListContainerStatsResponse listStats(ListContainerStatsRequest request) {
        var f = request.getFilter();
        ListContainerStatsResponse.Builder out = ListContainerStatsResponse.newBuilder();
        for (Container c : criContainers()) {
            if (c.state().isRunning() && (f.getId().isEmpty() || c.id().startsWith(f.getId()))
                    && (f.getPodSandboxId().isEmpty() || c.record().config().podId().startsWith(f.getPodSandboxId()))
                    && CriLabels.match(c.record().config().labels(), f.getLabelSelectorMap())) {
                runningStats(c).ifPresent(s -> out.addStats(stats(c, s)));
            }
        }
        return out.build();
    }

    /**
     * The stats of a container a list found running, or none if it exited since: its cgroup goes with the
     * exit, before its state says so, and one container stopping must not fail the whole list.
     */
    Optional<CgroupStats> runningStats(Container c) {
        try {
            return Optional.of(containers.stats(c));
        } catch (BerthException e) {
            if (e.kind() != BerthException.Kind.NOT_FOUND && e.kind() != BerthException.Kind.FAILED_PRECONDITION) {
                throw e;
            }
            LOG.log(Level.DEBUG, "stats of container {0} left out of the list, it exited: {1}", c.id(), e.getMessage());
            return Optional.empty();
        }
    }

    ContainerStats stats(Container c, CgroupStats s) {
        long ts = CriTime.nanos(s.timestamp() != null ? s.timestamp() : Instant.now());
        ContainerRecord r = c.record();
        return ContainerStats.newBuilder()
                .setAttributes(ContainerAttributes.newBuilder().setId(c.id()).setMetadata(metadata(r))
                        .putAllLabels(userLabels(r)).putAllAnnotations(userAnnotations(r)))
                .setCpu(CpuUsage.newBuilder().setTimestamp(ts)
                        .setUsageCoreNanoSeconds(UInt64Value.newBuilder().setValue(Math.max(0, s.cpuUsageNanos()))))
                .setMemory(MemoryUsage.newBuilder().setTimestamp(ts)
                        .setWorkingSetBytes(UInt64Value.newBuilder().setValue(Math.max(0, s.memoryWorkingSet())))
                        .setUsageBytes(UInt64Value.newBuilder().setValue(Math.max(0, s.memoryUsage()))))
                .build();
    }

    /** CRI-visible containers: those in pods, without the pods' infra containers. */
    List<Container> criContainers() {
        return containers.list().stream()
                .filter(c -> c.record().config().podId() != null && !PodService.isInfra(c)).toList();
    }

    Container criContainer(String ref) {
        return find(ref).orElseThrow(() -> BerthException.notFound("container " + InputRules.shown(ref)
                + " not found"));
    }

    private Optional<Container> find(String ref) {
        if (!InputRules.isIdPrefix(ref)) {
            return Optional.empty();
        }
        List<Container> matches = criContainers().stream().filter(c -> c.id().startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw BerthException.invalid("container id prefix " + ref + " is ambiguous");
        }
        return matches.stream().findFirst();
    }

    private Optional<Container> byName(String name) {
        return criContainers().stream().filter(c -> c.record().name().equals(name)).findFirst();
    }

    static ContainerState state(Container c) {
        return switch (c.state().status()) {
            case dev.berth.daemon.store.ContainerState.CREATING, dev.berth.daemon.store.ContainerState.CREATED ->
                    ContainerState.CONTAINER_CREATED;
            case dev.berth.daemon.store.ContainerState.RUNNING -> ContainerState.CONTAINER_RUNNING;
            case dev.berth.daemon.store.ContainerState.EXITED -> ContainerState.CONTAINER_EXITED;
            default -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    static ContainerMetadata metadata(ContainerRecord r) {
        Map<String, String> a = r.config().annotations() == null ? Map.of() : r.config().annotations();
        return ContainerMetadata.newBuilder().setName(a.getOrDefault(CRI_NAME, r.name()))
                .setAttempt(Integer.parseInt(a.getOrDefault(CRI_ATTEMPT, "0"))).build();
    }

    private static Map<String, String> userLabels(ContainerRecord r) {
        Map<String, String> labels = new LinkedHashMap<>(r.config().labels() == null ? Map.of() : r.config().labels());
        labels.remove(PodService.POD_LABEL);
        return labels;
    }

    private static Map<String, String> userAnnotations(ContainerRecord r) {
        Map<String, String> a = new LinkedHashMap<>(r.config().annotations() == null ? Map.of()
                : r.config().annotations());
        a.remove(CRI_NAME);
        a.remove(CRI_ATTEMPT);
        return a;
    }

    private static Long zeroToNull(long v) {
        return v == 0 ? null : v;
    }
}
