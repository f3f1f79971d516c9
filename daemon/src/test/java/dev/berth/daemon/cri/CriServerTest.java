package dev.berth.daemon.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cri.v1.CgroupDriver;
import dev.berth.cri.v1.FilesystemUsage;
import dev.berth.cri.v1.Image;
import dev.berth.cri.v1.ImageFilter;
import dev.berth.cri.v1.ImageFsInfoRequest;
import dev.berth.cri.v1.ImageServiceGrpc;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.ImageStatusRequest;
import dev.berth.cri.v1.ImageStatusResponse;
import dev.berth.cri.v1.ListImagesRequest;
import dev.berth.cri.v1.PullImageRequest;
import dev.berth.cri.v1.RemoveImageRequest;
import dev.berth.cri.v1.CheckpointContainerRequest;
import dev.berth.cri.v1.RuntimeCondition;
import dev.berth.cri.v1.RuntimeConfigRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.RuntimeHandler;
import dev.berth.cri.v1.StatusRequest;
import dev.berth.cri.v1.StatusResponse;
import dev.berth.cri.v1.VersionRequest;
import dev.berth.cri.v1.VersionResponse;
import dev.berth.daemon.BerthVersion;
import dev.berth.daemon.api.ConnectionPolicy;
import dev.berth.daemon.api.CurlAs;
import dev.berth.daemon.api.ImageRoutes;
import dev.berth.daemon.api.SocketAccess;
import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.factory.CgroupManagers;
import dev.berth.daemon.container.BundleWriter;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.ResourceViews;
import dev.berth.daemon.network.CniNetwork;
import dev.berth.daemon.network.ContainerNetworks;
import dev.berth.daemon.network.NetnsManager;
import dev.berth.daemon.pod.PodService;
import dev.berth.daemon.pod.PodStore;
import dev.berth.daemon.runtime.RuncRuntime;
import dev.berth.daemon.runtime.RuntimeHandlers;
import dev.berth.daemon.store.ContainerStore;
import dev.berth.daemon.volume.VolumeStore;
import dev.berth.shim.ShimExitMonitor;
import dev.berth.shim.ShimLauncher;
import dev.berth.image.ImageRecord;
import dev.berth.image.ImageStore;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CRI endpoint end to end: a real gRPC client on the unix socket, a real image store. */
class CriServerTest {
    private static final Path BUSYBOX = Path.of("../build/images/busybox");
    private static final String NAME = "localhost/busybox:latest";

    @TempDir
    Path dir;
    private ImageStore images;
    private ShimExitMonitor monitor;
    private ExecutorService background;
    private CriServer server;
    private EventLoopGroup clientGroup;
    private ManagedChannel channel;
    private RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private ImageServiceGrpc.ImageServiceBlockingStub imageService;

    @BeforeEach
    void start() {
        images = new ImageStore(dir.resolve("images"));
        // The runtime side is real but idle: these tests drive images and the runtime's own RPCs only
        // (pods and containers are covered end to end by integration-tests' CriPodsIT).
        monitor = new ShimExitMonitor();
        background = Executors.newCachedThreadPool();
        Path runc = Path.of("/usr/sbin/runc");
        ContainerService containers = new ContainerService(new ContainerStore(dir), images,
                CgroupManagers.create("cgroupfs", CgroupDetector.detect()), RuntimeHandlers.of(new RuncRuntime(runc, dir.resolve("runc"), false)),
                new ShimLauncher(Path.of("berth-shim")), monitor,
                new BundleWriter(List.of(), new ResourceViews(dir.resolve("views"), false, null),
                        new VolumeStore(dir.resolve("volumes"))),
                new ContainerNetworks(dir.resolve("networks"), List.of(Path.of("/usr/lib/cni")),
                        new NetnsManager(dir.resolve("netns"))),
                new ContainerService.Settings(dir, false, "berth-test", 1 << 20, 1, 10),
                background, exited -> { });
        PodService pods = new PodService(new PodStore(dir), containers, images, new NetnsManager(dir.resolve("netns")),
                new CniNetwork(dir.resolve("net.d"), List.of(Path.of("/usr/lib/cni")), dir.resolve("cni")),
                Path.of("berth-pause"), background);
        server = CriServer.start(dir.resolve("cri.sock"), SocketAccess.rootOnly(),
                ConnectionPolicy.UNLIMITED, new CriServer.Backends(images, id -> false,
                RegistriesConfig::defaults, host -> RegistryCredentials.ANONYMOUS, ImageRoutes.PullListener.NONE,
                "cgroupfs", containers, pods, background, "127.0.0.1", 0));
        clientGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(server.socket().toFile()))
                .eventLoopGroup(clientGroup)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .build();
        runtime = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        imageService = ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
        monitor.close();
        background.shutdownNow();
    }

    @Test
    void theSocketIsForRootAndTheSocketGroupAlone() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket())));
        assertEquals(0, Files.getAttribute(server.socket(), "unix:gid"));
    }

    @Test
    void peerCredentialsAreCheckedOnTheCriSocket() throws Exception {
        CurlAs.assumeAvailable();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Open to all on the file system: only the SO_PEERCRED check stands between nobody and the CRI.
        Files.setPosixFilePermissions(server.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
        CurlAs.Result root = CurlAs.get(server.socket(), 0, 0, List.of(), "http://d/", "--http2-prior-knowledge");
        assertNotEquals("000", root.httpCode(), "gRPC answers root: " + root);
        CurlAs.Result nobody = CurlAs.get(server.socket(), 65534, 65534, List.of(), "http://d/", "--http2-prior-knowledge");
        assertEquals("000", nobody.httpCode(), "closed before any answer: " + nobody);
    }

    @Test
    void versionNamesBerthAndTheV1Api() {
        VersionResponse v = runtime.version(VersionRequest.newBuilder().setVersion("v1").build());
        assertEquals("berth", v.getRuntimeName());
        assertEquals("v1", v.getRuntimeApiVersion());
        assertEquals(BerthVersion.VERSION, v.getRuntimeVersion());
        assertEquals("0.1.0", v.getVersion());
    }

    @Test
    void statusIsRuntimeReadyButNotNetworkReadyWithoutCni() {
        Map<String, RuntimeCondition> conditions = runtime.status(StatusRequest.getDefaultInstance()).getStatus()
                .getConditionsList().stream().collect(Collectors.toMap(RuntimeCondition::getType, c -> c));
        assertTrue(conditions.get("RuntimeReady").getStatus());
        assertFalse(conditions.get("NetworkReady").getStatus());
        assertEquals("NetworkPluginNotReady", conditions.get("NetworkReady").getReason());
    }

    @Test
    void statusAdvertisesTheSupplementalGroupsPolicy() {
        assertTrue(runtime.status(StatusRequest.getDefaultInstance()).getFeatures().getSupplementalGroupsPolicy());
    }

    @Test
    void statusListsTheDefaultHandlerUnderTheEmptyNameAndItsOwn() {
        StatusResponse s = runtime.status(StatusRequest.getDefaultInstance());
        assertEquals(List.of("", "runc"), s.getRuntimeHandlersList().stream().map(RuntimeHandler::getName).toList());
    }

    @Test
    void runtimeConfigGivesBerthdsCgroupDriver() {
        assertEquals(CgroupDriver.CGROUPFS,
                runtime.runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver());
    }

    @Test
    void rpcsNotYetServedAreUnimplementedAndSaySo() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> runtime.checkpointContainer(CheckpointContainerRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(
                "runtime.v1.RuntimeService/CheckpointContainer is not implemented"),
                e.getStatus().getDescription());
        // The served RPCs next to it still answer on the same channel.
        assertEquals("berth", runtime.version(VersionRequest.getDefaultInstance()).getRuntimeName());
    }

    @Test
    void berthErrorsBecomeTheirGrpcStatus() {
        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class,
                () -> imageService.pullImage(PullImageRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
        assertTrue(empty.getStatus().getDescription().contains("empty"), empty.getStatus().getDescription());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                () -> imageService.imageStatus(ImageStatusRequest.newBuilder().setImage(spec("sha256:NOT-HEX")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    }

    @Test
    void imagesListStatusFsInfoAndIdempotentRemove() {
        assumeTrue(Files.isDirectory(BUSYBOX), "build the built-in image first (make image: build/images/busybox)");
        ImageRecord record = images.importImage(BUSYBOX, Optional.of(NAME));

        List<Image> listed = imageService.listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        assertEquals(1, listed.size());
        Image image = listed.get(0);
        assertEquals(record.id(), image.getId());
        assertEquals(List.of(NAME), image.getRepoTagsList());
        assertEquals(List.of("localhost/busybox@" + record.manifestDigest()), image.getRepoDigestsList());
        assertEquals(record.size(), image.getSize());
        assertTrue(image.getSize() > 0);
        assertTrue(image.hasUid() || !image.getUsername().isEmpty(), "uid or username is set: " + image);

        // Kubelet asks by name, by the digest it pulled and by the id it was given.
        for (String ref : List.of("busybox", NAME, image.getRepoDigests(0), record.id())) {
            ImageStatusResponse status = imageService.imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build());
            assertEquals(image, status.getImage(), ref);
        }
        assertEquals(List.of(image), imageService.listImages(ListImagesRequest.newBuilder()
                .setFilter(ImageFilter.newBuilder().setImage(spec(NAME))).build()).getImagesList());
        assertEquals(List.of(), imageService.listImages(ListImagesRequest.newBuilder()
                .setFilter(ImageFilter.newBuilder().setImage(spec("localhost/nothing:here"))).build()).getImagesList());

        FilesystemUsage fs = imageService.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystems(0);
        assertEquals(images.root().toString(), fs.getFsId().getMountpoint());
        assertTrue(fs.getUsedBytes().getValue() >= record.size(), fs.toString());
        assertTrue(fs.getInodesUsed().getValue() > 1, fs.toString());
        assertTrue(fs.getTimestamp() > 0);

        imageService.removeImage(RemoveImageRequest.newBuilder().setImage(spec(record.id())).build());
        imageService.removeImage(RemoveImageRequest.newBuilder().setImage(spec(record.id())).build());
        assertEquals(List.of(), imageService.listImages(ListImagesRequest.getDefaultInstance()).getImagesList());
        assertTrue(images.list().isEmpty());
    }

    @Test
    void aMissingImageHasAnEmptyStatusNotAnError() {
        ImageStatusResponse status = imageService.imageStatus(
                ImageStatusRequest.newBuilder().setImage(spec("docker.io/library/absent:1")).build());
        assertFalse(status.hasImage());
        assertNotNull(imageService.removeImage(RemoveImageRequest.newBuilder()
                .setImage(spec("docker.io/library/absent:1")).build()));
    }

    private static ImageSpec spec(String ref) {
        return ImageSpec.newBuilder().setImage(ref).build();
    }
}
