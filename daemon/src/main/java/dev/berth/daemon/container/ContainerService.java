package dev.berth.daemon.container;

import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Resources;
import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.daemon.network.ContainerNetworks;
import dev.berth.daemon.runtime.OciRuntime;
import dev.berth.daemon.runtime.RuntimeHandlers;
import dev.berth.daemon.runtime.Signals;
import dev.berth.daemon.store.ContainerRecord;
import dev.berth.daemon.store.ContainerState;
import dev.berth.daemon.store.ContainerStore;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageStore;
import dev.berth.image.LayerTree;
import dev.berth.image.OverlayRootfs;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.RootfsPaths;
import dev.berth.oci.bundle.UserResolver;
import dev.berth.oci.failpoint.FailPoints;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.ImageConfig;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Spec;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.shim.ExecSession;
import dev.berth.shim.ExitStatus;
import dev.berth.shim.FrameStream;
import dev.berth.shim.ShimClient;
import dev.berth.shim.LaunchedShim;
import dev.berth.shim.ShimExitMonitor;
import dev.berth.shim.ShimLauncher;
import dev.berth.shim.ShimOptions;
import dev.berth.shim.WatchResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The container lifecycle: create (rootfs, bundle, shim with `runc create`), start, stop, kill, wait,
 * update and remove. Operations on one container are serialized; different containers run in parallel.
 */
public final class ContainerService {
    /** How long a SIGKILL to the container's cgroup may take before its init is killed directly. */
    static final int KILL_ALL_GRACE_SECONDS = 2;
    /** How long remove waits for a shim whose container has exited to end before deleting its directory. */
    static final long SHIM_END_GRACE_MILLIS = 2000;
    private static final System.Logger LOG = System.getLogger(ContainerService.class.getName());
    /** Exit code reported when the shim died and took the container's real status with it. */
    public static final int UNKNOWN_EXIT_CODE = 255;

    /** The parts of the daemon's configuration the lifecycle needs. */
    public record Settings(Path runRoot, boolean systemdCgroup,
            String cgroupParent, long logMaxSize, int logMaxFiles, int defaultStopTimeout) {
    }

    private final ContainerStore store;
    private final ImageStore images;
    private final CgroupManager cgroups;
    private final RuntimeHandlers runtimes;
    private final ShimLauncher shims;
    private final ShimExitMonitor exitMonitor;
    private final BundleWriter bundles;
    private final NetworkSetup network;
    private final Settings settings;
    private final ExecutorService background;
    /** Restarts by policy wait their back-off here, one at a time; the ids waiting are in {@link #restartsDue}. */
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "berth-restarts");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> restartsDue = ConcurrentHashMap.newKeySet();
    private final Consumer<ContainerState> exitRecorded;
    private final ContainerEvents events = new ContainerEvents();
    private final ContainerIndex index = new ContainerIndex();
    private final NameGenerator names = new NameGenerator();
    private final Map<String, BrokenContainer> broken = new ConcurrentHashMap<>();
    /** Containers whose resource views could not be added: not tried again (addMissingResourceViews). */
    private final java.util.Set<String> viewsFailed = ConcurrentHashMap.newKeySet();

    public ContainerService(ContainerStore store, ImageStore images, CgroupManager cgroups,
            RuntimeHandlers runtimes, ShimLauncher shims, ShimExitMonitor exitMonitor, BundleWriter bundles,
            ContainerNetworks networks, Settings settings, ExecutorService background,
            Consumer<ContainerState> exitRecorded) {
        this.store = store;
        this.images = images;
        this.cgroups = cgroups;
        this.runtimes = runtimes;
        this.shims = shims;
        this.exitMonitor = exitMonitor;
        this.bundles = bundles;
        this.network = new NetworkSetup(networks, this::paths);
        this.settings = settings;
        this.background = background;
        this.exitRecorded = exitRecorded;
    }

    public RuntimeHandlers runtimeHandlers() {
        return runtimes;
    }

    public CgroupManager cgroups() {
        return cgroups;
    }

    public ContainerEvents events() {
        return events;
    }

    public ContainerPaths paths(String id) {
        return new ContainerPaths(store.dir(id),
                ContainerPaths.shimsDir(settings.runRoot()).resolve(ContainerPaths.shimKey(id)));
    }

    /**
     * The container {@code ref} names, for {@code operation} (a verb: "start", "exec in"); FAILED_PRECONDITION
     * naming the operation and the problem if it is a broken one.
     */
    public Container resolve(String ref, String operation) {
        try {
            return index.resolve(ref);
        } catch (BerthException e) {
            throw brokenNamedBy(ref, e).map(b -> b.unusable(operation)).orElse(e);
        }
    }

    /** The broken container {@code ref} names, when it names no served one. */
    public Optional<BrokenContainer> broken(String ref) {
        try {
            index.resolve(ref);
            return Optional.empty();
        } catch (BerthException e) {
            return brokenNamedBy(ref, e);
        }
    }

    /** Every broken container, newest first; those whose container.json is unreadable (no record) last. */
    public List<BrokenContainer> broken() {
        return broken.values().stream().sorted(Comparator.comparing((BrokenContainer b) -> b.record() == null
                ? null : b.record().createdAt(), Comparator.nullsLast(Comparator.reverseOrder()))).toList();
    }

    /**
     * The broken container {@code ref} names (its name, id or an unambiguous id prefix, such as the short id
     * `berth ps -a` shows), when the index's lookup failed with NOT_FOUND.
     */
    private Optional<BrokenContainer> brokenNamedBy(String ref, BerthException lookupFailure) {
        if (lookupFailure.kind() != BerthException.Kind.NOT_FOUND) {
            return Optional.empty();
        }
        Optional<BrokenContainer> named = broken.values().stream().filter(b -> b.isNamedBy(ref)).findFirst();
        if (named.isPresent()) {
            return named;
        }
        List<BrokenContainer> prefixed = broken.values().stream().filter(b -> b.id().startsWith(ref)).toList();
        if (prefixed.size() > 1) {
            throw BerthException.conflict("container id prefix '" + ref + "' is ambiguous");
        }
        return prefixed.stream().findFirst();
    }

    /**
     * Registers a container found on disk whose files cannot be used: it is listed as broken but not
     * served, its name stays taken, and {@link #remove} with force removes whatever of it is left.
     */
    public void registerBroken(BrokenContainer b) {
        if (b.record() != null) {
            try {
                index.reserveName(b.record().name(), b.id());
            } catch (BerthException nameTaken) {
                LOG.log(Level.WARNING, "broken container {0}: {1}", b.id(), nameTaken.getMessage());
            }
        }
        broken.put(b.id(), b);
        LOG.log(Level.ERROR, "container {0} is broken and not served until removed with force: {1}", b.id(),
                b.problem());
    }

    /**
     * Throws if the container's bundle/config.json is missing or is not a JSON object (cut short, emptied,
     * garbage). Read as a tree, not bound to the runtime spec: recovery checks every container's before berthd
     * serves, and the binding's first use alone took 100-200 ms of that (bench/readopt.sh); runc, which reads
     * the bundle, checks the spec's shape at the container's next start.
     */
    public void checkBundle(ContainerRecord record) {
        Path config = paths(record.id()).bundle().resolve("config.json");
        if (!OciJson.read(config, JsonNode.class).isObject()) {
            throw BerthException.invalid("read " + config + ": not a JSON object");
        }
    }

    public List<Container> list() {
        List<Container> all = index.all();
        all.sort(Comparator.comparing((Container c) -> c.record().createdAt()).reversed());
        return all;
    }

    /** The network mode of a REST container that asks for none: bridge, or none where CNI's plugins are missing. */
    public String defaultNetworkMode() {
        return network.defaultMode();
    }

    /** The container's bridge network, address and published ports; empty with network none or host, or in a pod. */
    public Optional<ContainerNetworks.Attachment> networkAttachment(Container c) {
        return network.attachment(c.id());
    }

    public boolean imageInUse(String imageId) {
        return index.all().stream().anyMatch(c -> imageId.equals(c.record().imageId()));
    }

    /** Creates a container; a refused request names its fields as {@code fields} (the client's API) calls them. */
    public Container create(ContainerCreate request, RequestFields fields) {
        return create(request, PublishedPorts.NONE, fields);
    }

    /**
     * Creates a container with host ports published to it (which needs a bridge network); a refused request
     * names its fields as {@code fields} (the client's API) calls them.
     */
    public Container create(ContainerCreate request, PublishedPorts ports, RequestFields fields) {
        return create(check(request, ports, fields));
    }

    /** A create request that passed every check, with the spec of its bundle: nothing is made for it yet. */
    public record CheckedCreate(ContainerRecord record, ImageRecord image, Spec spec, NetworkSetup.Plan networkPlan) {
    }

    /** {@link #check(ContainerCreate, PublishedPorts, RequestFields)} of a container that publishes no ports. */
    public CheckedCreate check(ContainerCreate request, RequestFields fields) {
        return check(request, PublishedPorts.NONE, fields);
    }

    /**
     * Checks a create request and builds its bundle's spec against the image's files, making nothing: what can
     * refuse a request is here, so a refusal leaves no trace (no directory, mount, cgroup, network or record) and
     * nothing to undo. {@link #create(CheckedCreate)} then makes the container.
     */
    public CheckedCreate check(ContainerCreate asked, PublishedPorts ports, RequestFields fields) {
        long start = System.nanoTime();
        InputRules.checkCreate(asked, fields);
        ContainerCreate request = withVolumeNames(asked);
        if (RestartPolicy.parse("create container", request.restartPolicy()) != RestartPolicy.NO && request.autoRemove()) {
            throw BerthException.invalid("create container: a container removed at its exit (autoRemove, --rm) cannot"
                    + " have a restart policy");
        }
        OciRuntime runtime = runtimes.get(request.runtimeHandler());
        if (!runtime.recursiveReadOnly() && request.linux() != null && request.linux().mounts() != null
                && request.linux().mounts().stream().anyMatch(m -> m.recursiveReadOnly() && m.image() == null)) {
            throw fields.invalid(RequestFields.Field.MOUNT_RECURSIVE_READ_ONLY, "is not supported here: " + runtime.name()
                    + " or this kernel (" + System.getProperty("os.version") + ") cannot make mounts read-only "
                    + "recursively (runc 1.1 and Linux 5.12 can)");
        }
        checkBlockIoWeight("create container", request.blkioWeight(), fields);
        ImageRecord image = images.resolve(request.image())
                .orElseThrow(() -> BerthException.notFound("create container: no such image: " + request.image()));
        String id = names.newId();
        ImageConfig imageConfig = images.config(image);
        NetworkSetup.Plan networkPlan = network.plan(request, id, ports, ports.publishAll() ? imageConfig : null);
        String name = request.name() != null ? request.name() : names.newName();
        ContainerIndex.checkName(name);
        String cgroupParent = request.linux() != null && request.linux().cgroupParent() != null
                && !request.linux().cgroupParent().isEmpty() ? request.linux().cgroupParent() : settings.cgroupParent();
        ContainerRecord record = new ContainerRecord(id, name, request.image(), image.id(), Instant.now(),
                cgroups.cgroupsPath(cgroupParent, id), networkPlan.config(),
                bundles.resourceViews().forNewContainer(id, request.resourceViews()), false);
        for (ContainerCreate.Mount m : mounts(record)) {
            if (m.image() != null && images.resolve(m.image()).isEmpty()) {
                throw BerthException.notFound("create container " + id + ": no such image for an image volume: "
                        + m.image());
            }
        }
        BundleWriter.Planned bundle = bundles.spec(paths(id), record, imageConfig,
                new LayerTree(images.layerDirs(image)), runtime.recursiveReadOnly());
        LOG.log(Level.DEBUG, "create container {0}: request checked and spec built in {1} ms", id,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return new CheckedCreate(record.withSyscallViews(bundle.syscallViews()), image, bundle.spec(), networkPlan);
    }

    /** Makes the container {@link #check} passed: record, network, rootfs, bundle, and its shim with `runc create`. */
    public Container create(CheckedCreate checked) {
        ContainerRecord record = checked.record();
        String id = record.id();
        String name = record.name();
        PhaseTimes times = new PhaseTimes();
        index.reserveName(name, id);
        Container container = new Container(record, ContainerState.creating());
        try {
            store.create(record, container.state());
        } catch (RuntimeException e) {
            index.releaseName(name, id);
            throw e;
        }
        FailPoints.hit("create.after-record");
        times.end("record");
        List<ContainerCreate.Volume> madeVolumes = new ArrayList<>();
        try {
            network.attach(record, checked.networkPlan());
            times.end("network");
            makeVolumes(record, madeVolumes);
            prepareRootfs(record, checked.image(), checked.spec(), times);
            copyImageContent(record, madeVolumes);
            launch(container, "create");
            times.end("shim and runc create");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "create container {0} failed, cleaning up: {1}", id, e.getMessage());
            cleanUp(record);
            removeVolumes(id, madeVolumes);
            index.releaseName(name, id);
            throw e;
        }
        FailPoints.hit("create.after-state");
        index.add(container);
        events.publish(ContainerEvents.Type.CREATED, container);
        LOG.log(Level.INFO, "created container {0} ({1}) from {2}", id, name, record.image());
        LOG.log(Level.DEBUG, "create container {0}: {1}", id, times);
        return container;
    }

    /**
     * An anonymous volume ({@code -v /path}) gets a name of its own, as Docker's (64 hex); a named one must have
     * a container name's form. Nothing is made here: {@link #makeVolumes} does, at create.
     */
    private ContainerCreate withVolumeNames(ContainerCreate request) {
        if (request.volumes() == null || request.volumes().isEmpty()) {
            return request;
        }
        List<ContainerCreate.Volume> named = new ArrayList<>();
        for (ContainerCreate.Volume v : request.volumes()) {
            if (v.source() == null || v.source().isEmpty()) {
                named.add(new ContainerCreate.Volume(names.newId(), v.destination(), v.readOnly()));
            } else {
                if (!v.isHostPath() && !InputRules.isName(v.source())) {
                    throw BerthException.invalid("create container: volume " + InputRules.shown(v.source())
                            + " is neither an absolute host path nor a volume name (letters, digits, '_', '.', '-')");
                }
                named.add(v);
            }
        }
        return request.withVolumes(named);
    }

    /** Makes the container's named volumes that do not exist yet; {@code made} gets those it made. */
    private void makeVolumes(ContainerRecord record, List<ContainerCreate.Volume> made) {
        for (ContainerCreate.Volume v : volumesOf(record)) {
            if (!v.isHostPath() && bundles.volumes().ensure(v.source(), Map.of(), isAnonymous(v))) {
                made.add(v);
            }
        }
    }

    /** An anonymous volume has a generated name, 64 hex as a container id, as Docker's (which also names them so). */
    private static boolean isAnonymous(ContainerCreate.Volume v) {
        return !v.isHostPath() && v.source().matches("[0-9a-f]{64}");
    }

    /**
     * Docker's rule: a volume new to this container starts with the image's files at its path (resolved inside the
     * rootfs, so an image's symlink cannot point the copy elsewhere), owners and modes kept.
     */
    private void copyImageContent(ContainerRecord record, List<ContainerCreate.Volume> made) {
        Path rootfs = paths(record.id()).rootfs();
        for (ContainerCreate.Volume v : made) {
            Path from = RootfsPaths.resolve(rootfs, v.destination());
            if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path to = bundles.volumes().dataDir(v.source());
            try {
                java.lang.Process cp = new ProcessBuilder("cp", "-a", "--", from + "/.", to.toString())
                        .redirectErrorStream(true).start();
                String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (cp.waitFor() != 0) {
                    throw BerthException.internal("create container " + record.id() + ": copy the image's "
                            + v.destination() + " into volume " + v.source() + ": " + out.strip(), null);
                }
            } catch (IOException e) {
                throw BerthException.internal("create container " + record.id() + ": copy into volume " + v.source()
                        + ": " + BerthException.describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw BerthException.internal("create container " + record.id() + ": interrupted", e);
            }
        }
    }

    /** Removes the given volumes of container {@code id} that no other container names; failures are logged. */
    private void removeVolumes(String id, List<ContainerCreate.Volume> gone) {
        for (ContainerCreate.Volume v : gone) {
            if (!volumeUsers(v.source()).stream().allMatch(id::equals)) {
                continue;
            }
            try {
                bundles.volumes().remove(v.source());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "container {0}: remove its volume {1}: {2}", id, v.source(), e.getMessage());
            }
        }
    }

    private static List<ContainerCreate.Volume> volumesOf(ContainerRecord record) {
        return record.config().volumes() == null ? List.of() : record.config().volumes();
    }

    /** The ids of the containers whose config names volume {@code name}. */
    public List<String> volumeUsers(String name) {
        return index.all().stream().filter(c -> volumesOf(c.record()).stream().anyMatch(v -> name.equals(v.source())))
                .map(Container::id).toList();
    }

    private void prepareRootfs(ContainerRecord record, ImageRecord image, Spec spec, PhaseTimes times) {
        ContainerPaths p = paths(record.id());
        try {
            Files.createDirectories(p.upper());
            Files.createDirectories(p.work());
            Files.createDirectories(p.rootfs());
        } catch (IOException e) {
            throw BerthException.internal("create container " + record.id() + ": " + e.getMessage(), e);
        }
        OverlayRootfs.mount(images.layerDirs(image), p.upper(), p.work(), p.rootfs());
        mountImageVolumes(record);
        FailPoints.hit("create.after-rootfs");
        times.end("rootfs");
        bundles.write(p, record.id(), spec);
        FailPoints.hit("create.after-bundle");
        times.end("bundle");
    }

    /** After a reboot /run and the overlay mounts are gone: an exited container's rootfs is mounted again. */
    private void remountRootfs(ContainerRecord record) {
        ContainerPaths p = paths(record.id());
        if (OverlayRootfs.isMounted(p.rootfs())) {
            return;
        }
        ImageRecord image = images.resolve(record.imageId()).orElseThrow(() -> BerthException.conflict(
                "start container " + record.id() + ": its image " + record.imageId() + " is gone"));
        OverlayRootfs.mount(images.layerDirs(image), p.upper(), p.work(), p.rootfs());
        mountImageVolumes(record);
    }

    /**
     * Image volumes (the CRI's Mount.image): each image's layers under an overlay of its own, whose merged
     * directory the bundle binds read-only; the upper layer stays empty and goes with the container.
     */
    private void mountImageVolumes(ContainerRecord record) {
        List<ContainerCreate.Mount> mounts = mounts(record);
        for (int i = 0; i < mounts.size(); i++) {
            String ref = mounts.get(i).image();
            if (ref == null) {
                continue;
            }
            ImageRecord image = images.resolve(ref).orElseThrow(() -> BerthException.notFound("create container "
                    + record.id() + ": no such image for an image volume: " + ref));
            Path dir = paths(record.id()).imageVolume(i);
            try {
                for (String sub : List.of("upper", "work", "merged")) {
                    Files.createDirectories(dir.resolve(sub));
                }
            } catch (IOException e) {
                throw BerthException.internal("create container " + record.id() + ": " + e.getMessage(), e);
            }
            if (!OverlayRootfs.isMounted(dir.resolve("merged"))) {
                OverlayRootfs.mount(images.layerDirs(image), dir.resolve("upper"), dir.resolve("work"),
                        dir.resolve("merged"));
            }
        }
    }

    /** The container's mounts, by index: image volume i lives in {@link ContainerPaths#imageVolume(int)}. */
    private static List<ContainerCreate.Mount> mounts(ContainerRecord record) {
        ContainerCreate.LinuxOptions linux = record.config().linux();
        return linux == null || linux.mounts() == null ? List.of() : linux.mounts();
    }

    /** Unmounts every image volume the container has on disk, which needs no record to find them. */
    private void unmountImageVolumes(String id) {
        Path volumes = paths(id).imageVolume(0).getParent();
        if (!Files.isDirectory(volumes)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(volumes)) {
            for (Path volume : dirs.toList()) {
                OverlayRootfs.unmount(volume.resolve("merged"));
            }
        } catch (IOException e) {
            throw BerthException.internal("remove container " + id + ": list " + volumes + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts a shim that runs `runc create`; the container is then created, its init waiting for start.
     * {@code operation} ("create", "start") names the request in errors.
     */
    private void launch(Container container, String operation) {
        ContainerRecord record = container.record();
        ContainerPaths p = paths(record.id());
        try {
            ContainerStore.deleteTree(p.shimDir());
            Files.createDirectories(p.shimDir());
            // kubelet makes the pod's log directory but not a sub-directory its log path may name.
            Files.createDirectories(logPath(record).getParent());
        } catch (IOException e) {
            throw BerthException.internal("create container " + record.id() + ": " + e.getMessage(), e);
        }
        LaunchedShim launched = shims.launch(new ShimOptions(record.id(), p.bundle(), p.shimDir(),
                runtime(record).binary(), runtime(record).root(), settings.systemdCgroup(), logPath(record),
                settings.logMaxSize(), settings.logMaxFiles(), record.config().tty(), record.config().stdin(),
                sharesAPidNamespace(record.config())));
        FailPoints.hit("create.after-shim");
        background.execute(() -> {
            try {
                cgroups.placeShim(record.id(), launched.shimPid());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "container {0}: move shim {1} to its own cgroup: {2}", record.id(),
                        launched.shimPid(), e.getMessage());
            }
        });
        ContainerState launchedState = container.state().launched(launched.containerPid(), launched.shimPid());
        try {
            store.saveState(record.id(), launchedState);
        } catch (BerthException e) {
            // A run whose state is not on disk would be unknown after a restart: it is undone (the shim ends with
            // its container), and the container stays as it was.
            releaseRuntime(record);
            throw new BerthException(e.kind(), operation + " container " + record.id() + ": " + e.getMessage(), e);
        }
        container.state(launchedState);
        watch(container);
    }

    /** The container joins its pod's (or a target container's) pid namespace, or the host's. */
    private static boolean sharesAPidNamespace(ContainerCreate config) {
        ContainerCreate.LinuxOptions linux = config.linux();
        return linux != null && (linux.joinNamespaces() != null && linux.joinNamespaces().containsKey("pid")
                || linux.hostNamespaces() != null && linux.hostNamespaces().contains("pid"));
    }

    /** Where the shim writes the container's CRI-format log: the path kubelet asked for, or its own directory. */
    public Path logPath(ContainerRecord record) {
        String asked = record.config().logPath();
        return asked != null && !asked.isEmpty() ? Path.of(asked) : paths(record.id()).log();
    }

    /**
     * Registers a container found on disk at start-up, in the state its runtime shows; {@link #reattach} then
     * finds its run again. Cheap, so that recovery can register containers one at a time in a fixed order
     * (two records claiming one name always resolve the same way) and leave the slow part to run in parallel.
     */
    public Container adopt(ContainerRecord record, ContainerState state) {
        if (ContainerState.CREATED.equals(state.status()) && !runtime(record).awaitsStart(record.id())) {
            // berthd died between `runc start` and saving the running state: the container runs (or ran
            // and exited, which the shim's WAIT answer reports next).
            LOG.log(Level.INFO, "container {0}: a start interrupted by a crash went through; it is running",
                    record.id());
            state = state.started(Instant.now());
            try {
                store.saveState(record.id(), state);
            } catch (BerthException e) {
                // A full disk: the next start of berthd learns it from the runtime again.
                LOG.log(Level.ERROR, "container {0}: save its start: {1}", record.id(), e.getMessage());
            }
        }
        Container container = new Container(record, state);
        index.add(container);
        return container;
    }

    /**
     * Finds an adopted container's run again: its shim is watched again or, if it died while berthd was down,
     * its exit is recorded before this returns (recovery runs before berthd serves, so no client sees the
     * container up meanwhile); a restart a crash interrupted is undone. Containers may be re-attached in parallel.
     */
    public void reattach(Container container) {
        ContainerRecord record = container.record();
        ContainerState state = container.state();
        ShimClient shim = new ShimClient(paths(record.id()).shimDir());
        Optional<Integer> shimPid;
        try {
            shimPid = shim.shimPid();
        } catch (BerthException e) {
            shimPid = Optional.empty();
            LOG.log(Level.WARNING, "container {0}: {1}", record.id(), e.getMessage());
        }
        if (state.hasShim() && shimPid.isEmpty() && shim.listening()) {
            // shim.pid was damaged (the shim writes it atomically) while the shim runs on: its WAIT tells the rest.
            LOG.log(Level.WARNING, "container {0}: {1} names no live shim but the shim answers; re-adopted",
                    record.id(), paths(record.id()).shimDir().resolve("shim.pid"));
            watch(container);
        } else if (state.hasShim() && shimPid.isEmpty()) {
            // The shim died while berthd was down (its pid, if alive, is another process's now).
            Optional<ExitStatus> status = readExitQuietly(record.id());
            recordExit(container, status, WatchResult.SHIM_DIED);
        } else if (state.hasShim()) {
            watch(container);
        } else if (shimPid.isPresent()) {
            // berthd died while restarting this exited container: the new run was never reported
            // started, so it is undone rather than adopted.
            LOG.log(Level.INFO, "container {0}: undoing a restart interrupted by a crash", record.id());
            releaseRuntime(record);
        }
    }

    /** Removes the remains of a container whose creation never finished (a crash mid-create). */
    public void discard(ContainerRecord record) {
        LOG.log(Level.INFO, "removing half-created container {0}", record.id());
        cleanUp(record);
    }

    /**
     * Removes a container directory without a record: a creation that died before writing it, or a removal
     * that died after deleting it; the rootfs is unmounted in case the removal died before the rest.
     */
    public void discardLeftover(String id) {
        LOG.log(Level.INFO, "removing the remains of container {0}, cut short by a crash", id);
        ContainerPaths p = paths(id);
        OverlayRootfs.unmount(p.rootfs());
        ContainerStore.deleteTree(p.shimDir());
        store.delete(id);
    }

    private void watch(Container container) {
        exitMonitor.watch(container.id(), paths(container.id()).shimDir(),
                result -> onExit(container, result.status(), result.reason()));
    }

    /** Called once per run when the shim reports the exit, or when the shim is found dead. */
    private void onExit(Container container, Optional<ExitStatus> status, String reason) {
        if (!container.state().hasShim()) {
            return;
        }
        background.execute(() -> recordExit(container, status, reason));
    }

    /** The state a run ends in: the shim's exit status, or, without one, the unknown code and the reason. */
    private static ContainerState exitedState(Container container, Optional<ExitStatus> status, String reason) {
        ContainerState now = container.state();
        ContainerState exited = status
                .map(s -> now.exited(s.exitCode(), s.oomKilled(), s.finishedAt(), s.oomKilled() ? "OOMKilled" : null))
                .orElseGet(() -> now.exited(UNKNOWN_EXIT_CODE, false, Instant.now(), reason));
        if (status.isEmpty()) {
            LOG.log(Level.WARNING, "container {0}: {1}; marking it exited", container.id(), reason);
        } else {
            LOG.log(Level.INFO, "container {0} exited with code {1}", container.id(), exited.exitCode());
        }
        return exited;
    }

    /** Frees the ended run, saves its exit and tells waiters; with the shim dead its processes are killed first. */
    private void recordExit(Container container, Optional<ExitStatus> status, String reason) {
        String id = container.id();
        try {
            if (status.isEmpty()) {
                killQuietly(container.record(), Signals.KILL);
            }
            releaseRuntime(container.record());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "clean up runtime of exited container {0}: {1}", id, e.getMessage());
        }
        FailPoints.hit("exit.after-release");
        ContainerState exited;
        // Under the container's monitor, as start records "started": an init that exits at once may be
        // reported before start's own record, which then must not make the ended run "running" again.
        synchronized (container) {
            exited = exitedState(container, status, reason);
            try {
                store.saveState(id, exited);
            } catch (RuntimeException e) {
                // A full disk must not hide the exit from waiters and clients; after a restart, recovery asks
                // the shim (or finds it gone) and learns the exit again.
                LOG.log(Level.ERROR, "container {0}: save its exit: {1}", id, e.getMessage());
            }
            container.state(exited);
        }
        exitRecorded.accept(exited);
        events.publish(ContainerEvents.Type.STOPPED, container);
        if (container.record().config().autoRemove()) {
            try {
                remove(id, true, true);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "auto-remove container {0}: {1}", id, e.getMessage());
            }
        } else {
            restartPerPolicy(container, false);
        }
    }

    private Optional<ExitStatus> readExitQuietly(String id) {
        try {
            return ExitStatus.read(paths(id).shimDir());
        } catch (BerthException e) {
            LOG.log(Level.WARNING, "container {0}: {1}", id, e.getMessage());
            return Optional.empty();
        }
    }

    /** The user's start: its restart policy counts afresh and applies again. */
    public void start(String ref) {
        Container c = resolve(ref, "start");
        withLock(c, () -> {
            if (c.state().isRunning()) {
                throw BerthException.conflict("start container " + c.id() + ": it is already running");
            }
            c.state(c.state().withRestarts(0, false));
            startLocked(c);
        });
    }

    private void startLocked(Container c) {
        if (ContainerState.EXITED.equals(c.state().status())) {
            relaunch(c, "start");
        }
        try {
            runtime(c.record()).start(c.id());
        } catch (BerthException e) {
            if (ranAndExited(c)) {
                LOG.log(Level.INFO, "container {0} ran and exited before runc start returned ({1})", c.id(),
                        e.getMessage());
                return;
            }
            killQuietly(c.record(), Signals.KILL);
            throw e;
        }
        FailPoints.hit("start.after-runc-start");
        synchronized (c) {
            if (!c.state().hasShim()) {
                // It ran and its exit is recorded already (recordExit): that is its state now.
                LOG.log(Level.INFO, "container {0} exited before its start was recorded", c.id());
                return;
            }
            ContainerState started = c.state().started(Instant.now());
            try {
                store.saveState(c.id(), started);
            } catch (BerthException e) {
                // The container runs, and cannot be put back to created: it is reported started, as it is.
                // After a restart, recovery finds it started from the runtime, as after a crash at this point.
                LOG.log(Level.ERROR, "container {0}: started, but its state was not saved: {1}", c.id(),
                        e.getMessage());
            }
            FailPoints.hit("start.after-state");
            c.state(started);
        }
        events.publish(ContainerEvents.Type.STARTED, c);
        LOG.log(Level.INFO, "started container {0}", c.id());
    }

    /** After an exit: the container's restart policy may start it again, after its back-off. */
    private void restartPerPolicy(Container c, boolean atDaemonStart) {
        ContainerState s = c.state();
        RestartPolicy policy = RestartPolicy.parse("restart container " + c.id(), c.record().config().restartPolicy());
        boolean due = atDaemonStart ? policy.restartsAtDaemonStart(s.exitCode(), s.restartCount(), s.stoppedByUser())
                : policy.restartsAfterExit(s.exitCode(), s.restartCount(), s.stoppedByUser());
        if (!due || !restartsDue.add(c.id())) {
            return;
        }
        long delay = atDaemonStart ? 0 : policy.delayMillis(s.restartCount());
        restarts.schedule(() -> {
            restartsDue.remove(c.id());
            try {
                withLock(c, () -> {
                    ContainerState now = c.state();
                    if (!ContainerState.EXITED.equals(now.status()) || (now.stoppedByUser() && !atDaemonStart)
                            || index.all().stream().noneMatch(x -> x.id().equals(c.id()))) {
                        return; // started, stopped by the user or removed meanwhile
                    }
                    c.state(now.withRestarts(now.restartCount() + 1, false));
                    LOG.log(Level.INFO, "container {0}: restart {1} by its policy {2}", c.id(), now.restartCount() + 1,
                            c.record().config().restartPolicy());
                    startLocked(c);
                });
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "container {0}: restart by its policy failed: {1}", c.id(), e.getMessage());
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * At berthd's start: containers whose run ended while it was down (or before) and whose policy restarts them
     * then ({@code always}: even one the user stopped, as Docker's) are started again.
     */
    public void restartPerPolicyAtStart() {
        for (Container c : index.all()) {
            if (ContainerState.EXITED.equals(c.state().status())) {
                restartPerPolicy(c, true);
            }
        }
    }

    public void kill(String ref, String signal) {
        Container c = resolve(ref, "kill");
        int number = Signals.parse(signal);
        withLock(c, () -> {
            if (!c.state().hasShim()) {
                throw BerthException.conflict("kill container " + c.id() + ": it is not running");
            }
            thaw(c);
            markStoppedByUser(c);
            runtime(c.record()).kill(c.id(), number, false);
        });
    }

    /**
     * Gives a container another name: ps, inspect and its peers' /etc/hosts show the new one, the old one is free.
     * A pod's container keeps the name kubelet gave it.
     */
    public void rename(String ref, String newName) {
        Container c = resolve(ref, "rename");
        String op = "rename container " + c.id();
        if (!InputRules.isName(newName)) {
            throw BerthException.invalid(op + ": invalid name " + InputRules.shown(newName)
                    + ": use letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        if (c.record().config().podId() != null) {
            throw BerthException.conflict(op + ": it belongs to pod " + c.record().config().podId()
                    + ", whose client (kubelet) names it");
        }
        withLock(c, () -> {
            String old = c.record().name();
            if (old.equals(newName)) {
                return;
            }
            try {
                index.reserveName(newName, c.id());
            } catch (BerthException e) {
                throw new BerthException(e.kind(), op + ": the name '" + newName + "' is in use", e);
            }
            ContainerRecord renamed = c.record().withName(newName);
            try {
                store.saveRecord(renamed);
            } catch (RuntimeException e) {
                index.releaseName(newName, c.id());
                throw e;
            }
            c.record(renamed);
            index.releaseName(old, c.id());
            network.renamed(renamed);
            LOG.log(Level.INFO, "renamed container {0} from {1} to {2}", c.id(), old, newName);
        });
    }

    /** Freezes every process of a running container (runc pause: the cgroup freezer). */
    public void pause(String ref) {
        Container c = resolve(ref, "pause");
        withLock(c, () -> {
            if (!c.state().isRunning() || c.state().paused()) {
                throw BerthException.conflict("pause container " + c.id() + ": it is "
                        + (c.state().paused() ? "paused already" : c.state().status()));
            }
            runtime(c.record()).pause(c.id());
            savePaused(c, true);
        });
    }

    public void unpause(String ref) {
        Container c = resolve(ref, "unpause");
        withLock(c, () -> {
            if (!c.state().paused()) {
                throw BerthException.conflict("unpause container " + c.id() + ": it is not paused");
            }
            runtime(c.record()).resume(c.id());
            savePaused(c, false);
        });
    }

    /**
     * A frozen process takes no signal until it thaws (cgroup v1's freezer), so a stop or kill of a paused
     * container thaws it first, as Docker's does.
     */
    private void thaw(Container c) {
        if (c.state().paused()) {
            runtime(c.record()).resume(c.id());
            savePaused(c, false);
        }
    }

    private void savePaused(Container c, boolean paused) {
        ContainerState s = c.state().withPaused(paused);
        store.saveState(c.id(), s);
        c.state(s);
    }

    public void stop(String ref, Integer timeoutSeconds) {
        Container c = resolve(ref, "stop");
        int timeout = timeoutSeconds != null ? timeoutSeconds : settings.defaultStopTimeout();
        if (timeout < 0) {
            throw BerthException.invalid("stop container " + c.id() + ": timeout must not be negative");
        }
        withLock(c, () -> {
            markStoppedByUser(c);
            stopLocked(c, timeout);
        });
    }

    /** The user ended its run: no restart policy starts it again until the user does. */
    private void markStoppedByUser(Container c) {
        if (!c.state().stoppedByUser() && !RestartPolicy.NO.equals(
                RestartPolicy.parse("stop container " + c.id(), c.record().config().restartPolicy()))) {
            ContainerState s = c.state().withRestarts(c.state().restartCount(), true);
            store.saveState(c.id(), s);
            c.state(s);
        }
    }

    private void stopLocked(Container c, int timeoutSeconds) {
        if (!c.state().hasShim()) {
            return;
        }
        thaw(c);
        if (timeoutSeconds > 0) {
            signalInitQuietly(c, Signals.TERM);
            FailPoints.hit("stop.after-term");
            if (awaitExit(c, timeoutSeconds)) {
                return;
            }
            LOG.log(Level.INFO, "container {0} ignored SIGTERM for {1} s, sending SIGKILL", c.id(), timeoutSeconds);
        }
        if (sharesAPidNamespace(c.record().config())) {
            killQuietly(c.record(), Signals.KILL);
        } else {
            // The init of a pid namespace takes every process of it along when it dies, so the shim's SIGKILL to
            // it does what `runc kill --all` does, without starting runc (a Go program: 5 ms idle, tens of ms
            // under load) on the way of every StopContainer and StopPodSandbox.
            signalInitQuietly(c, Signals.KILL);
        }
        FailPoints.hit("stop.after-kill");
        if (awaitExit(c, KILL_ALL_GRACE_SECONDS)) {
            return;
        }
        // runc's systemd driver on cgroup v1 lists a container's processes from its devices cgroup, and systemd
        // can move them out of it when it re-realises a slice's units (seen with a CRI pod's infra container in
        // its pod slice, SystemdServiceIT): `kill --all` then signals nobody. runc signals the init itself
        // (checked against its start time, so never a reused pid), and its pid namespace goes with it.
        LOG.log(Level.WARNING, "container {0} still runs {1} s after kill --all; sending SIGKILL to its init",
                c.id(), KILL_ALL_GRACE_SECONDS);
        try {
            runtime(c.record()).kill(c.id(), Signals.KILL, false);
        } catch (BerthException e) {
            LOG.log(Level.DEBUG, "kill init of container {0}: {1}", c.id(), e.getMessage());
        }
        if (!awaitExit(c, 30)) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    "stop container " + c.id() + ": it did not exit after SIGKILL");
        }
    }

    /**
     * Whether a failed `runc start` started the container after all: an init that exits at once can be released
     * by the exit handling (runc delete) before `runc start` removes its exec.fifo, which then fails. Its runc
     * state is then gone (a start that failed otherwise leaves it), and its exit is recorded next.
     */
    private boolean ranAndExited(Container c) {
        return !Files.exists(runtime(c.record()).root().resolve(c.id())) && awaitExit(c, KILL_ALL_GRACE_SECONDS);
    }

    private boolean awaitExit(Container c, int seconds) {
        try {
            c.exit().get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "wait for container " + c.id(), e);
        } catch (ExecutionException e) {
            throw BerthException.internal("wait for container " + c.id(), e.getCause());
        }
    }

    /** Blocks until the container's current run has exited; returns its exited state. */
    public ContainerState waitExit(String ref) {
        Container c = resolve(ref, "wait for");
        if (ContainerState.CREATED.equals(c.state().status()) || c.state().isRunning()
                || ContainerState.EXITED.equals(c.state().status())) {
            try {
                return c.exit().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(BerthException.Kind.UNAVAILABLE, "wait for container " + c.id(), e);
            } catch (ExecutionException e) {
                throw BerthException.internal("wait for container " + c.id(), e.getCause());
            }
        }
        throw BerthException.conflict("wait for container " + c.id() + ": it is " + c.state().status());
    }

    public void remove(String ref, boolean force) {
        remove(ref, force, false);
    }

    /** {@code anonymousVolumes}: also the volumes made for this container alone (rm -v; --rm). */
    public void remove(String ref, boolean force, boolean anonymousVolumes) {
        Container c;
        try {
            c = index.resolve(ref);
        } catch (BerthException e) {
            removeBroken(brokenNamedBy(ref, e).orElseThrow(() -> e), force);
            return;
        }
        withLock(c, () -> {
            if (c.state().hasShim()) {
                if (!force && c.state().isRunning()) {
                    throw BerthException.conflict("remove container " + c.id() + ": it is "
                            + c.state().status() + "; stop it first or use force");
                }
                stopLocked(c, 0);
            }
            cleanUp(c.record());
            index.remove(c.id(), c.record().name());
            if (anonymousVolumes) {
                removeVolumes(c.id(), volumesOf(c.record()).stream()
                        .filter(ContainerService::isAnonymous).toList());
            }
            c.removed().complete(null);
            events.publish(ContainerEvents.Type.DELETED, c);
            LOG.log(Level.INFO, "removed container {0}", c.id());
        });
    }

    /**
     * Once berth-viewfs serves, gives its views to the containers that wanted them and were created while it
     * did not: bound into a running one's mount namespace now, added to every one's bundle for its next start.
     * A container whose binding failed is left as it is (logged once), not retried.
     */
    public void addMissingResourceViews() {
        ResourceViews views = bundles.resourceViews();
        List<Container> missing = index.all().stream().filter(c -> Boolean.FALSE.equals(c.record().resourceViews())
                && views.wanted(c.record().config().resourceViews()) && !viewsFailed.contains(c.id())).toList();
        if (missing.isEmpty() || !views.serving()) {
            return;
        }
        for (Container c : missing) {
            try {
                withLock(c, () -> {
                    ContainerState s = c.state();
                    if (s.hasShim() && s.pid() != null) {
                        views.bindInto(c.id(), s.pid());
                    }
                    bundles.addResourceViews(paths(c.id()).bundle(), c.id());
                    ContainerRecord updated = c.record().withResourceViews(true);
                    store.saveRecord(updated);
                    c.record(updated);
                });
                LOG.log(Level.INFO, "container {0}: resource views added", c.id());
            } catch (BerthException e) {
                viewsFailed.add(c.id());
                LOG.log(Level.WARNING, "container {0}: resource views not added: {1}", c.id(), e.getMessage());
            }
        }
    }

    /** Updates resources; a refused update names its fields as {@code fields} (the client's API) calls them. */
    public void update(String ref, ContainerUpdate update, RequestFields fields) {
        Container c = resolve(ref, "update");
        InputRules.checkUpdate(c.id(), update, fields);
        checkBlockIoWeight("update container " + c.id(), update.blkioWeight(), fields);
        withLock(c, () -> {
            ContainerCreate config = c.record().config().withResources(update.memory(), update.cpus(),
                    update.pidsLimit(), update.blkioWeight());
            if (config.linux() != null) {
                ContainerCreate.LinuxOptions l = config.linux();
                config = config.withLinux(l.withCpu(or(update.cpuShares(), l.cpuShares()),
                        or(update.cpuQuota(), l.cpuQuota()), or(update.cpuPeriod(), l.cpuPeriod()),
                        or(update.cpusetCpus(), l.cpusetCpus()), or(update.cpusetMems(), l.cpusetMems())));
            }
            ContainerRecord updated = c.record().withConfig(config);
            if (c.state().hasShim()) {
                cgroups.update(c.record().cgroupsPath(), toResources(update));
            }
            bundles.updateResources(paths(c.id()).bundle(), updated);
            store.saveRecord(updated);
            c.record(updated);
        });
    }

    public CgroupStats stats(Container c) {
        if (!c.state().hasShim()) {
            throw BerthException.conflict("stats of container " + c.id() + ": it is not running");
        }
        return cgroups.stats(c.record().cgroupsPath());
    }

    /**
     * Opens an attach stream to the container's shim: output from now on, input to its stdin. An exited
     * container is first made ready to start again (a new shim, `runc create`), so that `start -a` attaches
     * before its next run begins and sees all its output, as Podman's attach re-initialises an exited
     * container for Docker compatibility.
     */
    /** {@code relaunchExited}: an exited container is made ready to run again (start -a), else refused. */
    public FrameStream attach(Container c, boolean relaunchExited) {
        withLock(c, () -> {
            if (relaunchExited && ContainerState.EXITED.equals(c.state().status())) {
                relaunch(c, "attach");
            }
        });
        if (!c.state().hasShim()) {
            throw BerthException.conflict("attach to container " + c.id() + ": it is " + c.state().status());
        }
        return new ShimClient(paths(c.id()).shimDir()).attach();
    }

    /** An exited container's next run, created and waiting for start: what its last run held is freed first. */
    private void relaunch(Container c, String operation) {
        releaseRuntime(c.record());
        remountRootfs(c.record());
        network.ensureAttached(c.record());
        launch(c, operation);
    }

    /** Runs a process in the running container through its shim. */
    public ExecSession exec(Container c, ExecCreate exec) {
        return exec(c, exec, () -> { });
    }

    /**
     * Runs a process in the running container through its shim; {@code beforeStart} runs once the request is
     * checked, just before the shim is asked to start the process, so a caller can tell its client the process is
     * on its way before it can have run.
     */
    public ExecSession exec(Container c, ExecCreate exec, Runnable beforeStart) {
        InputRules.checkExec(c.id(), exec, RequestFields.EXEC);
        ContainerState state = c.state();
        if (!state.isRunning() || state.paused()) {
            throw BerthException.conflict("exec in container " + c.id() + ": it is "
                    + (state.paused() ? "paused; unpause it first" : "not running"));
        }
        // The container's root as its processes see it, its mounts included: /proc/PID/root of its init.
        Path root = Path.of("/proc", Integer.toString(state.pid()), "root");
        Process.User user = null;
        try {
            if (exec.user() != null && !exec.user().isEmpty()) {
                user = new UserResolver(root).resolve(exec.user()).toSpecUser();
            }
            if (exec.workingDir() != null && !exec.workingDir().isEmpty()
                    && !Files.isDirectory(RootfsPaths.resolve(root, exec.workingDir()), LinkOption.NOFOLLOW_LINKS)) {
                throw BerthException.invalid("workingDir " + InputRules.shown(exec.workingDir())
                        + " is not a directory in the container");
            }
        } catch (BerthException e) {
            throw new BerthException(e.kind(), "exec in container " + c.id() + ": " + e.getMessage(), e);
        }
        ContainerPaths p = paths(c.id());
        Path processJson = ExecProcessWriter.write(c.id(), p.bundle(), p.shimDir(), exec, user);
        FailPoints.hit("exec.after-process-json");
        try {
            beforeStart.run();
            ExecSession session = new ShimClient(p.shimDir()).exec(processJson, exec.tty());
            FailPoints.hit("exec.after-shim-exec");
            return session;
        } finally {
            try {
                Files.deleteIfExists(processJson);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "exec in container {0}: remove {1}: {2}", c.id(), processJson, e);
            }
        }
    }

    /** Refuses a weight this host cannot apply, before anything is made (runc would fail the start). */
    private void checkBlockIoWeight(String op, Long weight, RequestFields fields) {
        if (weight != null && !cgroups.weightsBlockIo()) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, op + ": "
                    + fields.name(RequestFields.Field.BLKIO_WEIGHT) + ": this host cannot weight block I/O (no"
                    + " weight-based I/O scheduler: the kernel has no bfq, and CFQ's blkio.weight is gone)");
        }
    }

    static Resources toResources(ContainerUpdate u) {
        Resources cpu = u.cpus() != null ? Resources.ofCpus(u.cpus()) : null;
        return new Resources(u.memory(), null, u.cpuShares(), cpu != null ? cpu.cpuQuota() : u.cpuQuota(),
                cpu != null ? cpu.cpuPeriod() : u.cpuPeriod(), u.cpusetCpus(), u.cpusetMems(), u.pidsLimit(), u.blkioWeight());
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** Frees what a run holds in the runtime: runc's state and the container's cgroup. */
    private void releaseRuntime(ContainerRecord record) {
        // `runc delete` is a process start (40-120 ms on a busy host): skipped when the runtime holds no state
        // for the container, as after its exit, which released it already.
        OciRuntime runtime = runtime(record);
        if (Files.exists(runtime.root().resolve(record.id()))) {
            runtime.delete(record.id());
        }
        cgroups.remove(record.cgroupsPath());
    }

    /** Removes everything a container owns; every step tolerates what is already gone. */
    private void cleanUp(ContainerRecord record) {
        PhaseTimes times = new PhaseTimes();
        try {
            releaseRuntime(record);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove container {0}: runtime clean-up: {1}", record.id(), e.getMessage());
        }
        FailPoints.hit("rm.after-runtime");
        times.end("runtime and cgroup");
        removeFiles(record.id(), times);
        LOG.log(Level.DEBUG, "remove container {0}: {1}", record.id(), times);
    }

    private void removeBroken(BrokenContainer b, boolean force) {
        if (!force) {
            throw BerthException.conflict("remove container " + b.id() + ": its files are broken (" + b.problem()
                    + ") and it may still be running; use force");
        }
        if (!broken.remove(b.id(), b)) {
            throw BerthException.notFound("no such container: " + b.id() + " (it was just removed)");
        }
        removeWhatIsLeft(b);
        if (b.record() != null) {
            index.releaseName(b.record().name(), b.id());
        }
        LOG.log(Level.INFO, "removed broken container {0}", b.id());
    }

    /**
     * Removes a broken container of a pod at start-up instead of registering it, as CRI-O removes the
     * containers it fails to restore: kubelet cannot act on a container it is not shown, and would otherwise
     * find the name it gives the container's next attempt taken. If that fails it is registered as broken.
     */
    public void discardBroken(BrokenContainer b) {
        LOG.log(Level.ERROR, "container {0} of pod {1} is broken and removed, as CRI-O removes the containers it"
                + " cannot restore: {2}", b.id(), b.record().config().podId(), b.problem());
        try {
            removeWhatIsLeft(b);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove broken container {0}: {1}", b.id(), e.getMessage());
            registerBroken(b);
        }
    }

    /**
     * Removes what is left of a broken container. Its run may still be going (a state.json lost while it
     * ran), and without container.json its runtime handler and cgroup are unknown: every runtime holding
     * state for the id deletes it (runc delete --force kills its processes, and its shim then exits), and the
     * cgroup is the one the record names or, without one, the one berthd gives a container by default.
     */
    private void removeWhatIsLeft(BrokenContainer b) {
        for (String handler : runtimes.names()) {
            OciRuntime runtime = runtimes.get(handler);
            try {
                if (Files.exists(runtime.root().resolve(b.id()))) {
                    runtime.delete(b.id());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "remove broken container {0}: runtime {1}: {2}", b.id(), handler,
                        e.getMessage());
            }
        }
        String cgroupsPath = b.record() != null ? b.record().cgroupsPath()
                : cgroups.cgroupsPath(settings.cgroupParent(), b.id());
        try {
            cgroups.remove(cgroupsPath);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove broken container {0}: cgroup {1}: {2}", b.id(), cgroupsPath, e.getMessage());
        }
        removeFiles(b.id(), new PhaseTimes());
    }

    /** Unmounts the container's rootfs and image volumes and deletes its directory and shim directory. */
    private void removeFiles(String id, PhaseTimes times) {
        network.release(id);
        ContainerPaths p = paths(id);
        OverlayRootfs.unmount(p.rootfs());
        unmountImageVolumes(id);
        FailPoints.hit("rm.after-unmount");
        times.end("unmount");
        try {
            ContainerStore.deleteTree(p.shimDir());
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof DirectoryNotEmptyException)) {
                throw e;
            }
            awaitShimEnd(id, p.shimDir());
            ContainerStore.deleteTree(p.shimDir());
        }
        FailPoints.hit("rm.after-shim-dir");
        store.delete(id);
        FailPoints.hit("rm.after-store-delete");
        times.end("files");
    }

    /**
     * Waits a little for the container's shim to end, when a file made in its directory while it was deleted
     * failed the delete ("directory not empty", a RemoveContainer right after StopContainer): in a shared pid
     * namespace the shim runs `runc kill --all` after it has reported the exit, and runc writes runtime.log
     * there. Not waited for up front, since a shim ends up to one poll round (50 ms) after it reported the exit.
     * A shim that does not end in {@link #SHIM_END_GRACE_MILLIS} is left to the delete as it is.
     */
    private static void awaitShimEnd(String id, Path shimDir) {
        ShimClient shim = new ShimClient(shimDir);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHIM_END_GRACE_MILLIS);
        try {
            while (shim.shimPid().isPresent()) {
                if (System.nanoTime() - deadline > 0) {
                    LOG.log(Level.WARNING, "remove container {0}: its shim has not ended after {1} ms; its files "
                            + "go all the same", id, SHIM_END_GRACE_MILLIS);
                    return;
                }
                Thread.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Signals the container's init through its shim rather than with `runc kill`, a process start that costs
     * 50 ms idle and seconds on a loaded host, which made stop the slowest step of CRI lifecycles under load.
     * A shim that cannot (one started by a berthd before SIGNAL existed, kept across the upgrade) leaves it
     * to runc.
     */
    private void signalInitQuietly(Container c, int signal) {
        try {
            new ShimClient(paths(c.id()).shimDir()).signal(signal);
        } catch (BerthException e) {
            LOG.log(Level.DEBUG, "signal {0} to container {1}: {2}", signal, c.id(), e.getMessage());
            if (e.kind() != BerthException.Kind.FAILED_PRECONDITION) {
                killQuietly(c.record(), signal);
            }
        }
    }

    private void killQuietly(ContainerRecord record, int signal) {
        try {
            runtime(record).kill(record.id(), signal, signal == Signals.KILL);
        } catch (BerthException e) {
            LOG.log(Level.DEBUG, "kill container {0} with {1}: {2}", record.id(), signal, e.getMessage());
        }
    }

    private OciRuntime runtime(ContainerRecord record) {
        return runtimes.get(record.config().runtimeHandler());
    }

    private static void withLock(Container c, Runnable action) {
        c.operationLock().lock();
        try {
            if (c.removed().isDone()) {
                throw BerthException.notFound("no such container: " + c.id() + " (it was just removed)");
            }
            action.run();
        } finally {
            c.operationLock().unlock();
        }
    }
}
