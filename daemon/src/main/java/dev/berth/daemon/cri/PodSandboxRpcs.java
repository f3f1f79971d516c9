package dev.berth.daemon.cri;

import dev.berth.cgroups.CgroupStats;
import dev.berth.cri.v1.ContainerStats;
import dev.berth.cri.v1.CpuUsage;
import dev.berth.cri.v1.LinuxPodSandboxStats;
import dev.berth.cri.v1.LinuxPodSandboxStatus;
import dev.berth.cri.v1.ListPodSandboxRequest;
import dev.berth.cri.v1.ListPodSandboxResponse;
import dev.berth.cri.v1.ListPodSandboxStatsRequest;
import dev.berth.cri.v1.ListPodSandboxStatsResponse;
import dev.berth.cri.v1.MemoryUsage;
import dev.berth.cri.v1.Namespace;
import dev.berth.cri.v1.NamespaceOption;
import dev.berth.cri.v1.PodIP;
import dev.berth.cri.v1.PodSandbox;
import dev.berth.cri.v1.PodSandboxAttributes;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxFilter;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.PodSandboxNetworkStatus;
import dev.berth.cri.v1.PodSandboxState;
import dev.berth.cri.v1.PodSandboxStats;
import dev.berth.cri.v1.PodSandboxStatsRequest;
import dev.berth.cri.v1.PodSandboxStatsResponse;
import dev.berth.cri.v1.PodSandboxStatus;
import dev.berth.cri.v1.PodSandboxStatusRequest;
import dev.berth.cri.v1.PodSandboxStatusResponse;
import dev.berth.cri.v1.ProcessUsage;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RemovePodSandboxResponse;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.RunPodSandboxResponse;
import dev.berth.cri.v1.StopPodSandboxRequest;
import dev.berth.cri.v1.StopPodSandboxResponse;
import dev.berth.cri.v1.UInt64Value;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.network.PortMapping;
import dev.berth.daemon.pod.PodRecord;
import dev.berth.daemon.pod.PodService;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The pod sandbox RPCs of runtime.v1.RuntimeService over {@link PodService}. */
final class PodSandboxRpcs {
    private final PodService pods;
    private final ContainerRpcs containers;

    PodSandboxRpcs(PodService pods, ContainerRpcs containers) {
        this.pods = pods;
        this.containers = containers;
    }

    RunPodSandboxResponse run(RunPodSandboxRequest request) {
        if (!request.hasConfig()) {
            throw BerthException.invalid("RunPodSandbox: a config is required");
        }
        PodSandboxConfig c = request.getConfig();
        PodSandboxMetadata m = c.getMetadata();
        var linux = c.getLinux();
        var security = linux.getSecurityContext();
        var ns = security.getNamespaceOptions();
        List<PortMapping> ports = c.getPortMappingsList().stream().map(p -> new PortMapping(
                p.getProtocol().name().toLowerCase(Locale.ROOT), p.getContainerPort(), p.getHostPort(),
                p.getHostIp())).toList();
        PodRecord asked = new PodRecord(null, null,
                new PodRecord.Metadata(m.getName(), m.getUid(), m.getNamespace(), m.getAttempt()), null, null,
                c.getHostname(), c.getLogDirectory(), request.getRuntimeHandler(), linux.getCgroupParent(),
                CriSecurity.mode(ns.getNetwork()), CriSecurity.mode(ns.getPid()), CriSecurity.mode(ns.getIpc()),
                new PodRecord.Dns(c.getDnsConfig().getServersList(), c.getDnsConfig().getSearchesList(),
                        c.getDnsConfig().getOptionsList()),
                ports, linux.getSysctlsMap(), c.getLabelsMap(), c.getAnnotationsMap(), CriSecurity.of(security),
                null, null, null, null);
        String id = pods.run(asked);
        // A retried run gets the pod its first try made, which keeps the config that try sent.
        if (CriConfigFile.read(pods.directory(id), PodSandboxConfig.parser(), "RunPodSandbox " + id).isEmpty()) {
            try {
                CriConfigFile.write(pods.directory(id), c);
            } catch (RuntimeException e) {
                pods.stop(id);
                pods.remove(id);
                throw e;
            }
        }
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(id).build();
    }

    StopPodSandboxResponse stop(StopPodSandboxRequest request) {
        pods.stop(request.getPodSandboxId());
        return StopPodSandboxResponse.getDefaultInstance();
    }

    RemovePodSandboxResponse remove(RemovePodSandboxRequest request) {
        pods.remove(request.getPodSandboxId());
        return RemovePodSandboxResponse.getDefaultInstance();
    }

    PodSandboxStatusResponse status(PodSandboxStatusRequest request) {
        PodRecord pod = pods.get(request.getPodSandboxId());
        PodSandboxStatusResponse.Builder out = PodSandboxStatusResponse.newBuilder().setStatus(status(pod));
        if (request.getVerbose()) {
            out.putInfo("info", info(pod).toString());
        }
        return out.build();
    }

    /**
     * Verbose status in the shape of containerd's SandboxInfo (what crictl inspectp shows, and where kubelet
     * looks for the runtime spec), with Berth's netns file and infra container id.
     */
    private ObjectNode info(PodRecord pod) {
        Optional<Container> infra = pods.infra(pod);
        ObjectNode info = OciJson.mapper().createObjectNode();
        info.put("pid", infra.filter(c -> c.state().isRunning()).map(c -> c.state().pid()).orElse(0));
        info.put("processStatus", infra.map(c -> c.state().status()).orElse("unknown"));
        info.put("netNamespaceClosed", pod.netns() == null || !Files.exists(Path.of(pod.netns())));
        info.put("image", PodService.PAUSE_IMAGE);
        info.put("runtimeHandler", pod.runtimeHandler());
        info.put("netns", pod.netns() == null ? "" : pod.netns());
        info.put("infraContainerId", pod.infraContainerId());
        CriConfigFile.read(pods.directory(pod.id()), PodSandboxConfig.parser(), "PodSandboxStatus of pod " + pod.id())
                .ifPresent(config -> info.set("config", CriJson.of(config)));
        infra.flatMap(containers::runtimeSpec).ifPresent(spec -> info.set("runtimeSpec", spec));
        return info;
    }

    PodSandboxStatus status(PodRecord pod) {
        PodSandboxNetworkStatus.Builder net = PodSandboxNetworkStatus.newBuilder();
        if (pod.ip() != null) {
            net.setIp(pod.ip());
        }
        for (String ip : pod.additionalIps() == null ? List.<String>of() : pod.additionalIps()) {
            net.addAdditionalIps(PodIP.newBuilder().setIp(ip));
        }
        return PodSandboxStatus.newBuilder()
                .setId(pod.id())
                .setMetadata(metadata(pod))
                .setState(state(pod))
                .setCreatedAt(CriTime.nanos(pod.createdAt()))
                .setNetwork(net)
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(NamespaceOption.newBuilder().setNetwork(CriSecurity.mode(pod.network()))
                                .setPid(CriSecurity.mode(pod.pid())).setIpc(CriSecurity.mode(pod.ipc())))))
                .putAllLabels(orEmpty(pod.labels()))
                .putAllAnnotations(orEmpty(pod.annotations()))
                .setRuntimeHandler(pod.runtimeHandler())
                .build();
    }

    ListPodSandboxResponse list(ListPodSandboxRequest request) {
        ListPodSandboxResponse.Builder out = ListPodSandboxResponse.newBuilder();
        for (PodRecord pod : filtered(request.hasFilter() ? request.getFilter() : null)) {
            out.addItems(PodSandbox.newBuilder().setId(pod.id()).setMetadata(metadata(pod)).setState(state(pod))
                    .setCreatedAt(CriTime.nanos(pod.createdAt())).putAllLabels(orEmpty(pod.labels()))
                    .putAllAnnotations(orEmpty(pod.annotations())).setRuntimeHandler(pod.runtimeHandler()));
        }
        return out.build();
    }

    private List<PodRecord> filtered(PodSandboxFilter f) {
        return pods.list().stream().filter(p -> f == null
                || ((f.getId().isEmpty() || p.id().startsWith(f.getId()))
                && (!f.hasState() || state(p) == f.getState().getState())
                && CriLabels.match(p.labels(), f.getLabelSelectorMap()))).toList();
    }

    PodSandboxStatsResponse stats(PodSandboxStatsRequest request) {
        return PodSandboxStatsResponse.newBuilder().setStats(stats(pods.get(request.getPodSandboxId()))).build();
    }

    ListPodSandboxStatsResponse listStats(ListPodSandboxStatsRequest request) {
        ListPodSandboxStatsResponse.Builder out = ListPodSandboxStatsResponse.newBuilder();
        var f = request.getFilter();
        for (PodRecord pod : pods.list()) {
            if ((f.getId().isEmpty() || pod.id().startsWith(f.getId()))
                    && CriLabels.match(pod.labels(), f.getLabelSelectorMap())) {
                out.addStats(stats(pod));
            }
        }
        return out.build();
    }

    /** The pod's usage is the sum of its running containers' (the infra container's included). */
    private PodSandboxStats stats(PodRecord pod) {
        long now = CriTime.nanos(Instant.now());
        long cpu = 0;
        long workingSet = 0;
        long usage = 0;
        long processes = 0;
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
        for (Container c : pods.containersOf(pod.id())) {
            Optional<CgroupStats> running = c.state().isRunning() ? containers.runningStats(c) : Optional.empty();
            if (running.isEmpty()) {
                continue;
            }
            CgroupStats s = running.get();
            cpu += Math.max(0, s.cpuUsageNanos());
            workingSet += Math.max(0, s.memoryWorkingSet());
            usage += Math.max(0, s.memoryUsage());
            processes += Math.max(0, s.pidsCurrent());
            if (!PodService.isInfra(c)) {
                ContainerStats cs = containers.stats(c, s);
                linux.addContainers(cs);
            }
        }
        linux.setCpu(CpuUsage.newBuilder().setTimestamp(now)
                        .setUsageCoreNanoSeconds(UInt64Value.newBuilder().setValue(cpu)))
                .setMemory(MemoryUsage.newBuilder().setTimestamp(now)
                        .setWorkingSetBytes(UInt64Value.newBuilder().setValue(workingSet))
                        .setUsageBytes(UInt64Value.newBuilder().setValue(usage)))
                .setProcess(ProcessUsage.newBuilder().setTimestamp(now)
                        .setProcessCount(UInt64Value.newBuilder().setValue(processes)));
        return PodSandboxStats.newBuilder()
                .setAttributes(PodSandboxAttributes.newBuilder().setId(pod.id()).setMetadata(metadata(pod))
                        .putAllLabels(orEmpty(pod.labels())).putAllAnnotations(orEmpty(pod.annotations())))
                .setLinux(linux).build();
    }

    static PodSandboxMetadata metadata(PodRecord pod) {
        PodRecord.Metadata m = pod.metadata();
        return PodSandboxMetadata.newBuilder().setName(m.name()).setUid(m.uid()).setNamespace(m.namespace())
                .setAttempt(m.attempt()).build();
    }

    private static PodSandboxState state(PodRecord pod) {
        return pod.state() == PodRecord.State.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
