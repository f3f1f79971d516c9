package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.BerthHarness.Result;
import dev.berth.it.support.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * berth pull / run --pull / login / logout / image prune against real docker-registry processes on
 * 127.0.0.1, holding the built-in busybox image pushed there with skopeo.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImagePullIT {
    private static final String USER = "berth";
    private static final String PASSWORD = "pull-secret";

    private static BerthHarness berth;
    private static Path work;
    private static TestRegistry open;
    private static TestRegistry locked;

    @BeforeAll
    static void start() throws Exception {
        for (String tool : List.of("docker-registry", "skopeo", "htpasswd", "umoci")) {
            assumeTrue(BerthHarness.onPath(tool), tool + " is not installed: registry tests skipped");
        }
        assumeTrue(Files.isDirectory(BerthHarness.REPO.resolve("build/images/busybox")),
                "build the built-in image first (build/images/busybox)");
        work = Files.createTempDirectory(Path.of("/tmp"), "bpull");
        try {
            Path busybox = BerthHarness.REPO.resolve("build/images/busybox");
            open = TestRegistry.start(work.resolve("open"));
            for (String tag : List.of("v1", "v2", "v3")) {
                open.push(busybox, "busybox:" + tag);
            }
            // Another image (its own config, the same layer) for prune to tell apart from busybox.
            Path other = work.resolve("other");
            BerthHarness.run("cp", "-a", busybox.toString(), other.toString());
            String out = BerthHarness.run("umoci", "config", "--image", other + ":latest", "--config.label", "berth.it=other");
            assertTrue(Files.readString(other.resolve("index.json")).contains("latest"), "umoci config: " + out);
            open.push(other, "other:v1");
            locked = TestRegistry.start(work.resolve("locked"), USER, PASSWORD);
            locked.push(busybox, "private/busybox:v1", "--dest-creds", USER + ":" + PASSWORD);
            berth = new BerthHarness();
        } catch (Throwable t) {
            stop();
            throw t;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (berth != null) {
                berth.close();
            }
        } finally {
            for (TestRegistry r : new TestRegistry[] {open, locked}) {
                if (r != null) {
                    r.close();
                }
            }
            if (work != null) {
                BerthHarness.run("rm", "-rf", work.toString());
            }
        }
    }

    @Test
    @Order(1)
    void pullThenRun() throws Exception {
        String ref = open.host() + "/busybox:v1";
        Result pull = berth.berth("pull", ref);
        assertEquals(0, pull.exitCode(), pull.stderr());
        assertTrue(pull.stdout().contains("Pulling " + ref), pull.stdout());
        assertTrue(pull.stdout().contains("Digest: sha256:"), pull.stdout());
        assertTrue(pull.out().endsWith(ref), "the last line names the image: " + pull.stdout());
        assertFalse(pull.stdout().contains("\u001b["), "no cursor moves when stdout is not a terminal");

        String id = berth.ok("pull", "-q", ref);
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        String digests = berth.ok("images", "--digests");
        assertTrue(digests.lines().anyMatch(l -> l.startsWith(open.host() + "/busybox") && l.contains(" sha256:")), digests);
        assertEquals("hello from the registry", berth.ok("run", "--rm", ref, "echo", "hello from the registry"));
    }

    @Test
    @Order(2)
    void runPullsAMissingImageUnlessToldNever() throws Exception {
        Result never = berth.berth("run", "--rm", "--pull", "never", open.host() + "/busybox:v3", "true");
        assertEquals(125, never.exitCode(), never.stdout());
        assertTrue(never.stderr().contains("no such image") && never.stderr().contains("busybox:v3"), never.stderr());

        Result run = berth.berth("run", "--rm", "--pull", "missing", open.host() + "/busybox:v2", "echo", "pulled and ran");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("pulled and ran", run.out(), "the pull's progress goes to stderr");
        assertTrue(run.stderr().contains("Unable to find image '" + open.host() + "/busybox:v2' locally"), run.stderr());
        assertTrue(berth.ok("images").contains(open.host() + "/busybox"), "the pulled image is listed");
    }

    @Test
    @Order(3)
    void pullOfAMissingTagFailsClearly() throws Exception {
        Result r = berth.berth("pull", open.host() + "/busybox:no-such-tag");
        assertEquals(125, r.exitCode(), r.stdout());
        String err = r.stderr();
        assertTrue(err.startsWith("Error: pull " + open.host() + "/busybox:no-such-tag"), err);
        assertTrue(err.contains("404") || err.toLowerCase().contains("not found") || err.contains("MANIFEST_UNKNOWN"), err);
    }

    @Test
    @Order(4)
    void loginChecksAndKeepsCredentialsForPulls() throws Exception {
        String ref = locked.host() + "/private/busybox:v1";
        Result anonymous = berth.berth("pull", ref);
        assertEquals(125, anonymous.exitCode());
        assertTrue(anonymous.stderr().contains("authentication failed"), anonymous.stderr());

        Result wrong = berth.berthWithInput("not-the-password\n", "login", "-u", USER, "--password-stdin", locked.host());
        assertEquals(125, wrong.exitCode(), wrong.stdout());
        assertTrue(wrong.stderr().contains("login to " + locked.host()) && wrong.stderr().contains("authentication failed"),
                wrong.stderr());
        Path authFile = berth.root().resolve("auth.json");
        assertFalse(Files.exists(authFile) && Files.readString(authFile).contains(locked.host()),
                "refused credentials were kept");

        Result right = berth.berthWithInput(PASSWORD + "\n", "login", "-u", USER, "--password-stdin", locked.host());
        assertEquals(0, right.exitCode(), right.stderr());
        assertEquals("Login Succeeded", right.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(authFile)));
        assertFalse(Files.readString(authFile).contains(PASSWORD), "the password is not kept as typed");

        assertEquals(0, berth.berth("pull", ref).exitCode(), "a pull after login needs no credentials");
        assertEquals("hi", berth.ok("run", "--rm", ref, "echo", "hi"));

        assertTrue(berth.ok("logout", locked.host()).contains(locked.host()));
        assertFalse(Files.readString(authFile).contains(locked.host()), "logout forgets the credentials");
        assertEquals("Not logged in to " + locked.host(), berth.ok("logout", locked.host()));
        String log = berth.daemonLog();
        assertFalse(log.contains(PASSWORD) || log.contains(java.util.Base64.getEncoder().encodeToString(
                (USER + ":" + PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                "berthd never logs credentials, not even at debug level");
    }

    @Test
    @Order(5)
    void pruneAllLeavesOnlyImagesContainersUse() throws Exception {
        String other = berth.ok("pull", "-q", open.host() + "/other:v1");
        String busybox = berth.ok("pull", "-q", open.host() + "/busybox:v1");
        assertFalse(other.equals(busybox), "two different images");
        String container = berth.ok("create", open.host() + "/busybox:v1", "true");

        Result dangling = berth.berth("image", "prune", "-f");
        assertEquals(0, dangling.exitCode(), dangling.stderr());
        assertTrue(berth.ok("images", "-q", "--no-trunc").contains(hex(other)), "prune without -a keeps named images");

        Result all = berth.berth("image", "prune", "-a", "-f");
        assertEquals(0, all.exitCode(), all.stderr());
        assertTrue(all.stdout().contains("deleted: " + other), all.stdout());
        assertTrue(all.stdout().contains("Total reclaimed space:"), all.stdout());
        assertEquals(List.of(hex(busybox)), berth.ok("images", "-q", "--no-trunc").lines().distinct().toList());

        berth.ok("rm", container);
        berth.ok("image", "prune", "-a", "-f");
        assertEquals("", berth.ok("images", "-q"));
        Path store = berth.root().resolve("images");
        assertEquals(List.of(), list(store.resolve("blobs/sha256")), "no blob is left without an image");
        assertEquals(List.of(), list(store.resolve("layers")), "no layer is left without an image");
    }

    /** images -q --no-trunc prints ids without the sha256: that pull -q prints. */
    private static String hex(String id) {
        return id.substring("sha256:".length());
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
