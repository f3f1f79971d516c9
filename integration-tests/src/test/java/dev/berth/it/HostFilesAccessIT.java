package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.CreateContainerRequest;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.LinuxPodSandboxConfig;
import dev.berth.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.cri.v1.NamespaceMode;
import dev.berth.cri.v1.NamespaceOption;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.StartContainerRequest;
import dev.berth.daemon.api.CurlAs;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.CriChannel;
import dev.berth.it.support.ViewFsProcess;
import dev.berth.testing.Await;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a host user who is not root can reach of berthd's files: nothing of a container's or an image's
 * content. The test daemon's base directory is opened to 0755 first, as /var/lib and /run are on a host, so
 * only Berth's own modes stand between such a user and ROOT and RUN_ROOT.
 */
class HostFilesAccessIT {
    private static final String NOBODY = "65534";
    private static BerthHarness berth;
    private static ViewFsProcess viewfs;
    private static Path views;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        berth = new BerthHarness(List.of(), harness -> {
            Files.setPosixFilePermissions(harness.base(), PosixFilePermissions.fromString("rwxr-xr-x"));
            if (Files.exists(Path.of("/dev/fuse"))) {
                views = Files.createDirectory(harness.base().resolve("views"));
                viewfs = new ViewFsProcess(views, harness.cgroupParent(), harness.base().resolve("viewfs.log"));
                viewfs.start();
                Files.writeString(harness.base().resolve("berth.toml"), "resource_views = \"" + views + "\"\n",
                        java.nio.file.StandardOpenOption.APPEND);
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (berth != null) {
                berth.close();
            }
        } finally {
            if (viewfs != null) {
                viewfs.close();
            }
        }
    }

    /**
     * Runs {@code cmd} as nobody (uid and gid 65534, no supplementary groups); its output and exit code. Through
     * a shell: setpriv itself keeps root's capabilities up to its execve(2), whose path lookup would pass any
     * directory mode; the shell runs as nobody with none.
     */
    private static BerthHarness.Result asNobody(String... cmd) throws Exception {
        List<String> args = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "/bin/sh", "-c", "\"$@\"", "sh"));
        args.addAll(List.of(cmd));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "timed out: " + args);
        return new BerthHarness.Result(p.exitValue(), out, "");
    }

    /** A static program that prints its effective uid, which the test hands to a container to make setuid. */
    private static Path euidProgram() throws Exception {
        assumeTrue(BerthHarness.onPath("cc"), "needs a C compiler");
        Path dir = Files.createDirectory(berth.base().resolve("prog"));
        Files.writeString(dir.resolve("euid.c"),
                "#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf(\"euid %d\\n\", (int) geteuid());"
                        + " return 0; }\n");
        String out = BerthHarness.run("cc", "-static", "-o", dir.resolve("euid").toString(),
                dir.resolve("euid.c").toString());
        assertTrue(Files.isExecutable(dir.resolve("euid")), out);
        return dir;
    }

    @Test
    void aSetuidBinaryAContainerWroteGivesAHostUserNothing() throws Exception {
        Path prog = euidProgram();
        String id = berth.ok("run", "-d", "-v", prog + ":/prog:ro", "busybox", "sh", "-c",
                "cp /prog/euid /tmp/euid && chmod 4755 /tmp/euid && touch /tmp/ready && sleep 1000").strip();
        Path upperTmp = berth.root().resolve("containers").resolve(id).resolve("upper/tmp");
        assertTrue(Await.eventually(() -> Files.exists(upperTmp.resolve("ready")), 20_000),
                "the container did not write its setuid binary");
        // It is there and setuid root, as the container made it: what the host must keep out of reach.
        assertEquals("4755 0", berth.ok("exec", id, "stat", "-c", "%a %u", "/tmp/euid").strip());
        assertEquals("euid 0", BerthHarness.run(upperTmp.resolve("euid").toString()).strip(), "root runs it");

        BerthHarness.Result run = asNobody(upperTmp.resolve("euid").toString());
        assertNotEquals(0, run.exitCode(), "nobody ran the container's setuid binary: " + run.out());
        assertTrue(run.out().contains("Permission denied"), run.out());
        BerthHarness.Result stat = asNobody("stat", upperTmp.resolve("euid").toString());
        assertTrue(stat.out().contains("Permission denied"), "nobody can even reach it: " + stat.out());
        berth.ok("rm", "-f", id);
    }

    @Test
    void noContainerOrImageFileIsOpenToOtherUsers() throws Exception {
        String id = berth.ok("run", "-d", "-v", berth.base() + ":/data:ro", "-v", "audited:/vol", "busybox", "sh", "-c",
                "echo secret > /tmp/secret && echo secret > /vol/secret && sleep 1000").strip();
        try (CriChannel cri = new CriChannel(berth.criSocket())) {
            String podId = runHostNetworkPod(cri);
            Path ctrLog = berth.root().resolve("containers").resolve(id).resolve("ctr.log");
            assertTrue(Await.eventually(() -> Files.exists(ctrLog), 20_000), "no ctr.log");

            assertNothingExposed();
            assertMode("rwx------", berth.root());
            assertMode("rwx--x---", berth.runRoot());
            for (String dir : List.of("containers", "containers/" + id, "images", "images/layers", "pods",
                    "pods/" + podId, "cni", "volumes", "volumes/audited")) {
                assertMode("rwx------", berth.root().resolve(dir));
            }
            try (Stream<Path> layers = Files.list(berth.root().resolve("images/layers"))) {
                for (Path layer : layers.toList()) {
                    assertMode("rwx------", layer);
                }
            }
            for (String dir : List.of("shims", "runc")) {
                assertMode("rwx------", berth.runRoot().resolve(dir));
            }
            if (Files.exists(berth.runRoot().resolve("netns"))) {
                assertMode("rwx------", berth.runRoot().resolve("netns"));
            }
            assertMode("rw-r-----", ctrLog);
            assertMode("rw-rw----", berth.socket());
            assertMode("rw-rw----", berth.criSocket());
            try (Stream<Path> logs = Files.walk(berth.base().resolve("logs"))) {
                for (Path log : logs.filter(Files::isRegularFile).toList()) {
                    assertMode("rw-r-----", log);
                }
            }
            if (views != null) {
                // The view server's files are read by every container user, and written by no one.
                try (Stream<Path> files = Files.walk(views)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
                        assertTrue(mode.matches("r.-r--r--"), f + " " + mode);
                        assertEquals(0, Files.getAttribute(f, "unix:uid"), f.toString());
                    }
                }
            }
            cri.removeAllPods();
        }
        berth.ok("rm", "-f", id);
        berth.ok("volume", "rm", "audited");
    }

    @Test
    void aStoreAnOlderBerthdLeftOpenIsClosedAtStart() throws Exception {
        String id = berth.ok("run", "-d", "busybox", "sleep", "1000").strip();
        berth.stopDaemon();
        List<Path> opened = new ArrayList<>(List.of(berth.root(), berth.runRoot(), berth.root().resolve("images"),
                berth.root().resolve("images/layers"), berth.root().resolve("containers"),
                berth.root().resolve("containers").resolve(id), berth.root().resolve("pods"),
                berth.root().resolve("cni"), berth.runRoot().resolve("shims"), berth.runRoot().resolve("runc")));
        try (Stream<Path> layers = Files.list(berth.root().resolve("images/layers"))) {
            opened.addAll(layers.toList());
        }
        for (Path p : opened) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        berth.startDaemon();
        assertNothingExposed();
        // The container the old store held runs on, reachable as before.
        assertEquals("still here", berth.ok("exec", id, "echo", "still here").strip());
        berth.ok("rm", "-f", id);
    }

    @Test
    void theSocketGroupPassesThroughRunRootToTheSocketsAndNoOneElseDoes() throws Exception {
        CurlAs.assumeAvailable();
        int nogroup = 65534;
        int stranger = 65533;
        try (BerthHarness grouped = new BerthHarness(List.of("socket_group = \"" + nogroup + "\""), harness ->
                Files.setPosixFilePermissions(harness.base(), PosixFilePermissions.fromString("rwxr-xr-x")))) {
            assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(grouped.runRoot())));
            assertEquals(nogroup, Files.getAttribute(grouped.runRoot(), "unix:gid"));
            CurlAs.Result member = CurlAs.get(grouped.socket(), stranger, nogroup, List.of(), "http://d/v1/containers");
            assertEquals("200", member.httpCode(), member.stderr());
            CurlAs.Result other = CurlAs.get(grouped.socket(), stranger, stranger, List.of(), "http://d/v1/containers");
            assertNotEquals(0, other.exit(), "a user outside the group got through: " + other.httpCode());
        }
    }

    @Test
    void theCliTellsAUserWithoutAccessToTheSocketWhyNotThatTheDaemonIsDown() throws Exception {
        BerthHarness.Result r = asNobody("env", "BERTH_SOCKET=" + berth.socket(),
                "BERTH_LIB=" + BerthHarness.REPO.resolve("cli/target/lib"),
                BerthHarness.REPO.resolve("cli/src/main/sh/berth").toString(), "ps");
        assertEquals(125, r.exitCode(), r.out());
        assertTrue(r.out().contains("permission denied on berthd's socket") && r.out().contains("socket_group"), r.out());
        assertFalse(r.out().contains("is the daemon running"), r.out());
    }

    /**
     * Nothing under ROOT or RUN_ROOT is reachable by others at all; and if an operator opened ROOT and RUN_ROOT
     * themselves (chmod 755), each directory below protects itself and only the sockets (0660, root's group)
     * are then in reach.
     */
    private static void assertNothingExposed() throws IOException {
        List<String> exposed = new ArrayList<>();
        exposed.addAll(exposed(berth.root(), false));
        exposed.addAll(exposed(berth.runRoot(), false));
        assertEquals(List.of(), exposed, "open to users other than root");
        List<String> below = new ArrayList<>();
        below.addAll(exposed(berth.root(), true));
        below.addAll(exposed(berth.runRoot(), true));
        assertEquals(List.of(), below, "open to users other than root below ROOT or RUN_ROOT");
    }

    private static String runHostNetworkPod(CriChannel cri) {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("audit").setNamespace("default")
                        .setUid("uid-audit"))
                .setLogDirectory(berth.base().resolve("logs/audit").toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(berth.cgroupParent() + "/pod-audit")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                .build();
        var rt = cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS);
        String podId = rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
        String ctrId = rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                .setSandboxConfig(pod).setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                        .setImage(ImageSpec.newBuilder().setImage("localhost/busybox:latest"))
                        .addAllCommand(List.of("sh", "-c", "echo hello; sleep 1000")).setLogPath("app.log"))
                .build()).getContainerId();
        rt.startContainer(StartContainerRequest.newBuilder().setContainerId(ctrId).build());
        return podId;
    }

    private static void assertMode(String want, Path p) throws IOException {
        assertEquals(want, PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)),
                p.toString());
        assertEquals(0, Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS), p + " owner");
        assertEquals(0, Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS), p + " group");
    }

    /**
     * Everything under {@code top} a user other than root (and not in root's group) could read, write or list:
     * each entry whose every directory on the way grants such a user search, and that grants them more than
     * search itself. Sockets count when they grant more than root's group. With {@code topOpen}, {@code top}
     * itself is taken as searchable whatever its mode.
     */
    private static List<String> exposed(Path top, boolean topOpen) throws IOException {
        List<String> found = new ArrayList<>();
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.equals(top)) {
                    return topOpen || searchable(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }
                check(dir);
                return searchable(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isSymbolicLink()) {
                    check(file);
                }
                return FileVisitResult.CONTINUE;
            }

            private void check(Path p) throws IOException {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                int others = (mode & 07) | (gid != 0 ? (mode >> 3) & 07 : 0);
                if ((others & 06) != 0) {
                    found.add(p + " " + Integer.toOctalString(mode & 07777) + " gid " + gid);
                }
            }
        });
        return found;
    }

    private static boolean searchable(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        return (mode & 01) != 0 || (gid != 0 && (mode & 010) != 0);
    }
}
