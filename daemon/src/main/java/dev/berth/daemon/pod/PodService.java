package dev.berth.daemon.pod;

import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.InputRules;
import dev.berth.daemon.container.NameGenerator;
import dev.berth.daemon.container.RequestFields;
import dev.berth.daemon.network.NetnsManager;
import dev.berth.daemon.network.NetworkStatus;
import dev.berth.daemon.network.PodNetwork;
import dev.berth.daemon.network.PodNetworkRequest;
import dev.berth.daemon.store.ContainerStore;
import dev.berth.image.ImageStore;
import dev.berth.image.PauseImage;
import dev.berth.oci.BerthException;
import dev.berth.oci.failpoint.FailPoints;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Pod sandboxes: a pinned network namespace wired by CNI, and an infra container (berth-pause) that holds the
 * pod's IPC and UTS (and, when asked, PID) namespaces for the containers that join them. Every step of a run
 * is undone when a later one fails, so a failed RunPodSandbox leaves nothing behind.
 */
public final class PodService {
    private static final System.Logger LOG = System.getLogger(PodService.class.getName());
    public static final String PAUSE_IMAGE = "localhost/berth-pause:latest";
    /** Label on a pod's containers: the pod's id. */
    public static final String POD_LABEL = "io.berth.pod";
    /** Label on the infra container, which CRI listings leave out. */
    public static final String INFRA_LABEL = "io.berth.pod.infra";

    private final PodStore store;
    private final ContainerService containers;
    private final ImageStore images;
    private final NetnsManager netns;
    private final PodNetwork network;
    private final Path pauseBinary;
    private final Executor background;
    private final NameGenerator ids = new NameGenerator();
    private final Map<String, PodRecord> pods = new ConcurrentHashMap<>();
    private final SingleFlight creations = new SingleFlight();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public PodService(PodStore store, ContainerService containers, ImageStore images, NetnsManager netns,
                      PodNetwork network, Path pauseBinary, Executor background) {
        this.store = store;
        this.containers = containers;
        this.images = images;
        this.netns = netns;
        this.network = network;
        this.pauseBinary = pauseBinary;
        this.background = background;
    }

    public PodNetwork network() {
        return network;
    }

    public static String podName(PodRecord.Metadata m) {
        return "k8s_POD_" + m.name() + "_" + m.namespace() + "_" + m.uid() + "_"
                + Integer.toUnsignedString(m.attempt());
    }

    /**
     * RunPodSandbox. {@code request.id()} and its state are ignored; returns the pod id. Everything the request
     * can be refused for is checked before anything is made, so a refusal leaves nothing to undo.
     */
    public String run(PodRecord request) {
        PodRecord.Metadata m = request.metadata();
        if (m == null) {
            throw BerthException.invalid("run pod: metadata is required");
        }
        InputRules.checkMetadata("run pod: metadata.name", m.name());
        InputRules.checkMetadata("run pod: metadata.namespace", m.namespace());
        InputRules.checkMetadata("run pod: metadata.uid", m.uid());
        String name = podName(m);
        if (!InputRules.isName(name)) {
            throw BerthException.invalid("run pod: invalid name " + InputRules.shown(name)
                    + ": metadata's name, namespace and uid may hold letters, digits, '_', '.' and '-'");
        }
        InputRules.checkHostname("run pod " + name + ": hostname", request.hostname());
        InputRules.checkPath("run pod " + name + ": log_directory", request.logDirectory());
        InputRules.checkMap("run pod " + name + ": labels", request.labels());
        InputRules.checkMap("run pod " + name + ": annotations", request.annotations());
        if (InputRules.groupWithoutUser(request.security(), null)) {
            throw BerthException.invalid("run pod " + name + ": linux.security_context.run_as_group needs "
                    + "run_as_user: a group alone leaves the user to the image");
        }
        try {
            containers.runtimeHandlers().get(request.runtimeHandler());
            containers.cgroups().checkPodParent(request.cgroupParent());
        } catch (BerthException e) {
            throw BerthException.invalid("run pod " + name + ": " + e.getMessage());
        }
        return creations.run(name, () -> byName(name).map(PodRecord::id).orElseGet(() -> create(request, name)));
    }

    private String create(PodRecord request, String name) {
        String id = ids.newId();
        PodRecord pod = new PodRecord(id, name, request.metadata(), PodRecord.State.CREATING, Instant.now(),
                request.hostname(), request.logDirectory(), request.runtimeHandler(), request.cgroupParent(), request.network(),
                request.pid(), request.ipc(), request.dns(), request.portMappings(), request.sysctls(),
                request.labels(), request.annotations(), request.security(), null, null, null, null);
        if (pod.network() != PodRecord.NamespaceMode.NODE) {
            // Recorded before it is made: a crash in between leaves a path that teardown tolerates as gone, never
            // a namespace no record names.
            pod = pod.withNetwork(netns.dir().resolve("berth-" + id.substring(0, 16)).toString(), null, null);
        }
        ContainerService.CheckedCreate infraRequest;
        try {
            infraRequest = containers.check(infraConfig(pod), RequestFields.REST_CREATE);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "run pod " + name + ": " + e.getMessage(), e);
        }
        store.create(pod);
        pods.put(id, pod);
        FailPoints.hit("pod-run.after-record");
        try {
            containers.cgroups().createPodParent(pod.cgroupParent());
            writeEtcFiles(pod);
            CompletableFuture<NetworkStatus> attached = CompletableFuture.completedFuture(null);
            if (pod.netns() != null) {
                netns.create(Path.of(pod.netns()).getFileName().toString());
                FailPoints.hit("pod-run.after-netns");
                // CNI ADD and the infra container's creation (`runc create`) each need the namespace only, not
                // each other: side by side they take the time of the longer, not of both.
                PodNetworkRequest networkRequest = networkRequest(pod);
                attached = CompletableFuture.supplyAsync(() -> {
                    NetworkStatus status = network.attach(networkRequest);
                    FailPoints.hit("pod-run.after-cni-add");
                    return status;
                }, background);
            }
            Container infra;
            try {
                infra = containers.create(infraRequest);
                FailPoints.hit("pod-run.after-infra-create");
            } finally {
                // The tear-down of a failed run must not race a CNI ADD still running.
                awaitQuietly(attached);
            }
            NetworkStatus status = await(attached);
            if (status != null) {
                pod = pod.withNetwork(pod.netns(), status.ip(), status.additionalIps());
            }
            containers.start(infra.id());
            FailPoints.hit("pod-run.after-infra-start");
            // One save for both (each is a file and a directory fsync): until it, the pod is CREATING, which a
            // restart tears down, finding the infra container by its pod label, not by this record.
            pod = pod.withInfraContainer(infra.id()).withState(PodRecord.State.READY);
            store.save(pod);
            FailPoints.hit("pod-run.after-ready");
            pods.put(id, pod);
            LOG.log(Level.INFO, "pod {0} ({1}) is ready, ip {2}", id, name, pod.ip());
            return id;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "run pod {0} ({1}) failed, undoing it: {2}", id, name, e.getMessage());
            tearDown(pod);
            throw e;
        }
    }

    private static PodNetworkRequest networkRequest(PodRecord pod) {
        PodRecord.Metadata m = pod.metadata();
        return new PodNetworkRequest(pod.id(), m.name(), m.namespace(), m.uid(),
                pod.netns() != null ? Path.of(pod.netns()) : null,
                pod.portMappings() == null ? List.of() : pod.portMappings());
    }

    private ContainerCreate infraConfig(PodRecord pod) {
        Map<String, String> join = new LinkedHashMap<>();
        List<String> host = new ArrayList<>();
        if (pod.netns() != null) {
            join.put("network", pod.netns());
        } else {
            host.add("network");
            host.add("uts");
        }
        if (pod.ipc() == PodRecord.NamespaceMode.NODE) {
            host.add("ipc");
        }
        if (pod.pid() == PodRecord.NamespaceMode.NODE) {
            host.add("pid");
        }
        String hostname = pod.netns() != null ? pod.hostname() : null;
        ContainerCreate.LinuxOptions linux = new ContainerCreate.LinuxOptions(join, host, hostname, pod.sysctls(),
                pod.security(), null, null, pod.cgroupParent(), null, null, null, null, null, null);
        return new ContainerCreate(pod.name(), pauseImage(), null, null, null, null, null, null, false, false,
                null, null, null, null, false, Map.of(POD_LABEL, pod.id(), INFRA_LABEL, "true"), null, false, pod.id(),
                null, null, linux, pod.runtimeHandler(), null, null);
    }

    /** Berth's pause image, made from the berth-pause binary the first time a pod needs it. */
    private synchronized String pauseImage() {
        if (images.resolve(PAUSE_IMAGE).isEmpty()) {
            Path layout = null;
            try {
                layout = Files.createTempDirectory("berth-pause-layout");
                PauseImage.write(layout, pauseBinary);
                images.importImage(layout, Optional.of(PAUSE_IMAGE));
                LOG.log(Level.INFO, "made the pod infra image {0} from {1}", PAUSE_IMAGE, pauseBinary);
            } catch (IOException e) {
                throw BerthException.internal("make the pod infra image from " + pauseBinary + ": " + e.getMessage(), e);
            } finally {
                if (layout != null) {
                    ContainerStore.deleteTree(layout);
                }
            }
        }
        return PAUSE_IMAGE;
    }

    /** resolv.conf and hostname for the pod's containers, which mount them from the pod's directory. */
    private void writeEtcFiles(PodRecord pod) {
        Path dir = store.dir(pod.id());
        try {
            String resolv;
            PodRecord.Dns dns = pod.dns();
            if (dns == null || (isEmpty(dns.servers()) && isEmpty(dns.searches()) && isEmpty(dns.options()))) {
                Path hostResolv = Path.of("/etc/resolv.conf");
                resolv = Files.exists(hostResolv) ? Files.readString(hostResolv) : "";
            } else {
                StringBuilder b = new StringBuilder();
                for (String s : dns.servers() == null ? List.<String>of() : dns.servers()) {
                    b.append("nameserver ").append(s).append('\n');
                }
                if (!isEmpty(dns.searches())) {
                    b.append("search ").append(String.join(" ", dns.searches())).append('\n');
                }
                if (!isEmpty(dns.options())) {
                    b.append("options ").append(String.join(" ", dns.options())).append('\n');
                }
                resolv = b.toString();
            }
            Files.writeString(dir.resolve("resolv.conf"), resolv, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("hostname"), (blank(pod.hostname()) ? pod.metadata().name()
                    : pod.hostname()) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw BerthException.internal("run pod " + pod.id() + ": write resolv.conf: " + e.getMessage(), e);
        }
    }

    /** The pod's own directory (pod.json, resolv.conf, hostname), removed with the pod. */
    public Path directory(String podId) {
        return store.dir(podId);
    }

    public Path resolvConf(PodRecord pod) {
        return store.dir(pod.id()).resolve("resolv.conf");
    }

    public Path hostnameFile(PodRecord pod) {
        return store.dir(pod.id()).resolve("hostname");
    }

    /** StopPodSandbox: the pod's containers are killed, its network torn down; unknown pods are fine. */
    public void stop(String ref) {
        withPod(ref, pod -> {
            // CNI DEL and the namespace's unmount need not wait for the containers to be killed (their
            // processes stay in the namespace until they end): side by side, as in RunPodSandbox.
            CompletableFuture<Void> released = CompletableFuture.runAsync(() -> {
                releaseNetwork(pod);
                FailPoints.hit("pod-stop.after-network");
            }, background);
            try {
                for (Container c : containersOf(pod.id())) {
                    if (c.state().hasShim()) {
                        containers.stop(c.id(), 0);
                    }
                }
                FailPoints.hit("pod-stop.after-containers");
            } finally {
                awaitQuietly(released);
            }
            await(released);
            PodRecord stopped = pod.withNetwork(null, pod.ip(), pod.additionalIps())
                    .withState(PodRecord.State.NOTREADY);
            store.save(stopped);
            pods.put(pod.id(), stopped);
            LOG.log(Level.INFO, "stopped pod {0}", pod.id());
        });
    }

    /** RemovePodSandbox: everything the pod owns goes; unknown pods are fine. */
    public void remove(String ref) {
        withPod(ref, pod -> {
            tearDown(pod);
            locks.remove(pod.id());
            LOG.log(Level.INFO, "removed pod {0}", pod.id());
        });
    }

    /** Runs {@code action} on the pod under its lock; nothing when the pod is unknown or went meanwhile. */
    private void withPod(String ref, Consumer<PodRecord> action) {
        Optional<PodRecord> found = find(ref);
        if (found.isEmpty()) {
            return;
        }
        String id = found.get().id();
        synchronized (lock(id)) {
            PodRecord pod = pods.get(id);
            if (pod != null) {
                action.accept(pod);
            }
        }
    }

    /** Undoes whatever of the pod exists; each step tolerates what is already gone. */
    private void tearDown(PodRecord pod) {
        for (Container c : containersOf(pod.id())) {
            try {
                containers.remove(c.id(), true);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "pod {0}: remove container {1}: {2}", pod.id(), c.id(), e.getMessage());
            }
        }
        FailPoints.hit("pod-rm.after-containers");
        releaseNetwork(pod);
        FailPoints.hit("pod-rm.after-network");
        try {
            containers.cgroups().removePodParent(pod.cgroupParent());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pod {0}: remove cgroup parent {1}: {2}", pod.id(), pod.cgroupParent(),
                    e.getMessage());
        }
        FailPoints.hit("pod-rm.after-cgroup");
        store.delete(pod.id());
        pods.remove(pod.id());
    }

    private void releaseNetwork(PodRecord pod) {
        if (pod.network() == PodRecord.NamespaceMode.NODE) {
            return;
        }
        try {
            network.detach(networkRequest(pod));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pod {0}: CNI DEL: {1}", pod.id(), e.getMessage());
        }
        if (pod.netns() != null) {
            netns.remove(Path.of(pod.netns()));
        }
    }

    /** Containers of the pod, the infra container last (the others live in its namespaces). */
    public List<Container> containersOf(String podId) {
        List<Container> out = new ArrayList<>(containers.list().stream()
                .filter(c -> podId.equals(c.record().config().podId())).toList());
        out.sort(Comparator.comparing((Container c) -> isInfra(c)));
        return out;
    }

    public static boolean isInfra(Container c) {
        Map<String, String> labels = c.record().config().labels();
        return labels != null && "true".equals(labels.get(INFRA_LABEL));
    }

    public Optional<Container> infra(PodRecord pod) {
        if (pod.infraContainerId() == null) {
            return Optional.empty();
        }
        return containers.list().stream().filter(c -> c.id().equals(pod.infraContainerId())).findFirst();
    }

    /** The pod by id or unambiguous id prefix; none for a ref that cannot be an id (not looked up at all). */
    public Optional<PodRecord> find(String ref) {
        if (!InputRules.isIdPrefix(ref)) {
            return Optional.empty();
        }
        PodRecord exact = pods.get(ref);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<PodRecord> matches = pods.values().stream().filter(p -> p.id().startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw BerthException.invalid("pod id prefix " + ref + " is ambiguous");
        }
        return matches.stream().findFirst();
    }

    public PodRecord get(String ref) {
        return find(ref).orElseThrow(() -> BerthException.notFound("pod sandbox " + InputRules.shown(ref)
                + " not found"));
    }

    public List<PodRecord> list() {
        List<PodRecord> all = new ArrayList<>(pods.values());
        all.removeIf(p -> p.state() == PodRecord.State.CREATING);
        all.sort(Comparator.comparing(PodRecord::createdAt));
        return all;
    }

    private Optional<PodRecord> byName(String name) {
        return pods.values().stream().filter(p -> p.name().equals(name) && p.state() != PodRecord.State.CREATING)
                .findFirst();
    }

    /**
     * Registers pods found on disk at start-up, after the containers were recovered: a pod caught mid-create
     * by a crash is torn down, a ready pod whose infra container is gone is reported not ready.
     */
    public void recover() {
        for (PodStore.Loaded loaded : store.loadAll()) {
            PodRecord pod = loaded.record();
            if (pod == null) {
                LOG.log(Level.ERROR, "pod {0} skipped: {1}", loaded.id(), loaded.problem());
                continue;
            }
            pods.put(pod.id(), pod);
            if (pod.state() == PodRecord.State.CREATING) {
                LOG.log(Level.INFO, "removing pod {0}, whose creation a crash interrupted", pod.id());
                tearDown(pod);
            } else if (pod.state() == PodRecord.State.READY
                    && infra(pod).map(c -> !c.state().isRunning()).orElse(true)) {
                LOG.log(Level.WARNING, "pod {0}: its infra container is not running; the pod is not ready", pod.id());
                pod = pod.withState(PodRecord.State.NOTREADY);
                store.save(pod);
                pods.put(pod.id(), pod);
            }
        }
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    /** The future's value; its failure rethrown as it was thrown. */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Waits for the future to end, whatever its outcome (which the caller learns from {@link #await}). */
    private static void awaitQuietly(CompletableFuture<?> future) {
        future.handle((value, failure) -> null).join();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean isEmpty(List<?> l) {
        return l == null || l.isEmpty();
    }
}
