package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pull, run/create --pull, login/logout, images --digests, image prune against the fake daemon. */
class RegistryCommandsTest extends FakeDaemonTest {
    static final String LAYER = "sha256:aaaaaaaaaaaa" + "0".repeat(52);
    static final String IMAGE = "{\"id\":\"sha256:" + "b".repeat(64) + "\",\"names\":[\"127.0.0.1:5000/app:v1\"],"
            + "\"digest\":\"sha256:" + "c".repeat(64) + "\",\"size\":1000,\"createdAt\":\"2026-01-01T00:00:00Z\"}";


    static void jsonLines(OutputStream out, String... lines) throws IOException {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (String l : lines) {
            out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    static final String[] PROGRESS = {
        "{\"status\":\"resolved\",\"digest\":\"sha256:" + "c".repeat(64) + "\",\"bytesDone\":0,\"bytesTotal\":2000}",
        "{\"status\":\"downloading\",\"digest\":\"" + LAYER + "\",\"bytesDone\":1000,\"bytesTotal\":2000}",
        "{\"status\":\"downloading\",\"digest\":\"" + LAYER + "\",\"bytesDone\":2000,\"bytesTotal\":2000}",
        "{\"status\":\"verified\",\"digest\":\"" + LAYER + "\",\"bytesDone\":2000,\"bytesTotal\":2000}",
        "{\"status\":\"extracted\",\"digest\":\"" + LAYER + "\",\"bytesDone\":2000,\"bytesTotal\":2000}",
    };

    private FakeDaemon pullDaemon(String last) throws IOException {
        return new FakeDaemon(dir, (req, in, out) -> {
            String[] lines = new String[PROGRESS.length + 1];
            System.arraycopy(PROGRESS, 0, lines, 0, PROGRESS.length);
            lines[PROGRESS.length] = last;
            jsonLines(out, lines);
        });
    }

    @Test
    void pullPrintsPlainLinesWhenNotATerminal() throws Exception {
        daemon = pullDaemon("{\"image\":" + IMAGE + "}");
        Cli r = Cli.run(daemon.socket(), "pull", "--platform", "linux/arm64", "127.0.0.1:5000/app:v1");
        assertEquals(0, r.code, r.toString());
        assertEquals(List.of("Pulling 127.0.0.1:5000/app:v1", "aaaaaaaaaaaa: Downloading (2kB)",
                "aaaaaaaaaaaa: Download complete", "aaaaaaaaaaaa: Pull complete", "Digest: sha256:" + "c".repeat(64),
                "Status: Downloaded newer image for 127.0.0.1:5000/app:v1", "127.0.0.1:5000/app:v1"), r.out.lines().toList());
        assertFalse(r.out.contains("\u001b"), "no cursor moves in plain output");
        Map<String, Object> body = daemon.requests.get(0).json();
        assertEquals("127.0.0.1:5000/app:v1", body.get("reference"));
        assertEquals("linux/arm64", body.get("platform"));
        assertEquals(List.of("POST /v1/images/pull"), requestLines());
    }

    @Test
    void pullQuietPrintsOnlyTheId() throws Exception {
        daemon = pullDaemon("{\"image\":" + IMAGE + "}");
        Cli r = Cli.run(daemon.socket(), "pull", "-q", "127.0.0.1:5000/app:v1");
        assertEquals(0, r.code, r.toString());
        assertEquals("sha256:" + "b".repeat(64) + "\n", r.out);
    }

    @Test
    void pullErrorLineExits125() throws Exception {
        daemon = pullDaemon("{\"error\":\"pull 127.0.0.1:5000/app:v9: manifest v9: not found\"}");
        Cli r = Cli.run(daemon.socket(), "pull", "127.0.0.1:5000/app:v9");
        assertEquals(125, r.code, r.toString());
        assertEquals("Error: pull 127.0.0.1:5000/app:v9: manifest v9: not found\n", r.err);
    }

    @Test
    void terminalDisplayRedrawsInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        PullDisplay d = new PullDisplay(ps, true, 0);
        long t = 1_000_000_000L;
        for (String line : PROGRESS) {
            try {
                d.onEvent(Json.map(Json.parse(line)), t += 200_000_000L);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        d.finish(t);
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("aaaaaaaaaaaa: Downloading  1kB / 2kB"), s);
        assertTrue(s.contains("\u001b[2A"), "moves up over the layer and total lines: " + s);
        assertTrue(s.contains("\u001b[2K"), "clears each line it redraws");
        assertTrue(s.endsWith("aaaaaaaaaaaa: Pull complete\n\r\u001b[2KTotal: 2kB / 2kB  1kB/s\n"), s);
    }

    /** create says "no such image" until the pull came. */
    private FakeDaemon missingImageDaemon(AtomicBoolean pulled) throws IOException {
        return new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.equals("/v1/containers")) {
                if (pulled.get()) {
                    FakeDaemon.json(out, 201, "{\"id\":\"c0ffee\",\"name\":\"n\"}");
                } else {
                    FakeDaemon.error(out, 404, "create container: no such image: 127.0.0.1:5000/app:v1");
                }
            } else if (req.target.equals("/v1/images/pull")) {
                pulled.set(true);
                jsonLines(out, "{\"image\":" + IMAGE + "}");
            } else {
                FakeDaemon.error(out, 404, "unexpected " + req);
            }
        });
    }

    @Test
    void createPullsAMissingImageWithProgressOnStderr() throws Exception {
        daemon = missingImageDaemon(new AtomicBoolean());
        Cli r = Cli.run(daemon.socket(), "create", "127.0.0.1:5000/app:v1");
        assertEquals(0, r.code, r.toString());
        assertEquals("c0ffee\n", r.out);
        assertTrue(r.err.startsWith("Unable to find image '127.0.0.1:5000/app:v1' locally\nPulling "), r.err);
        assertEquals(List.of("POST /v1/containers", "POST /v1/images/pull", "POST /v1/containers"), requestLines());
    }

    @Test
    void aFailedPullAfterAMissingImageReportsBoth() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.equals("/v1/containers")) {
                FakeDaemon.error(out, 404, "create container: no such image: nope");
            } else {
                jsonLines(out, "{\"error\":\"pull nope: reach registry registry-1.docker.io: refused\"}");
            }
        });
        Cli r = Cli.run(daemon.socket(), "run", "--rm", "nope");
        assertEquals(125, r.code, r.toString());
        assertTrue(r.err.endsWith("Error: create container: no such image: nope; pull nope: reach registry "
                + "registry-1.docker.io: refused\n"), r.err);
    }

    @Test
    void pullNeverLeavesTheErrorAndAlwaysPullsFirst() throws Exception {
        AtomicBoolean pulled = new AtomicBoolean();
        daemon = missingImageDaemon(pulled);
        Cli never = Cli.run(daemon.socket(), "create", "--pull", "never", "127.0.0.1:5000/app:v1");
        assertEquals(125, never.code, never.toString());
        assertEquals("Error: create container: no such image: 127.0.0.1:5000/app:v1\n", never.err);
        Cli bad = Cli.run(daemon.socket(), "create", "--pull", "sometimes", "127.0.0.1:5000/app:v1");
        assertEquals(125, bad.code);
        assertTrue(bad.err.contains("invalid --pull value 'sometimes'"), bad.err);
        Cli always = Cli.run(daemon.socket(), "create", "--pull", "always", "127.0.0.1:5000/app:v1");
        assertEquals(0, always.code, always.toString());
        assertEquals(List.of("POST /v1/containers", "POST /v1/images/pull", "POST /v1/containers"), requestLines());
    }

    @Test
    void loginSendsTheCredentialsAndLogoutForgetsThem() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.method.equals("POST")) {
                FakeDaemon.json(out, 200, "{\"registry\":\"127.0.0.1:5000\",\"status\":\"Login Succeeded\"}");
            } else if (req.target.equals("/v1/auth/127.0.0.1:5000")) {
                FakeDaemon.noContent(out);
            } else {
                FakeDaemon.error(out, 404, "logout from x: not logged in");
            }
        });
        Cli r = Cli.runWithInput(daemon.socket(), new ByteArrayInputStream("s3cret\n".getBytes(StandardCharsets.UTF_8)),
                "login", "-u", "alice", "--password-stdin", "127.0.0.1:5000");
        assertEquals(0, r.code, r.toString());
        assertEquals("Login Succeeded\n", r.out);
        Map<String, Object> body = daemon.requests.get(0).json();
        assertEquals(Map.of("registry", "127.0.0.1:5000", "username", "alice", "password", "s3cret"), body);

        Cli both = Cli.run(daemon.socket(), "login", "-u", "a", "-p", "x", "--password-stdin", "r");
        assertEquals(125, both.code);
        assertEquals(0, Cli.run(daemon.socket(), "logout", "127.0.0.1:5000").code);
        Cli twice = Cli.run(daemon.socket(), "logout", "other:5000");
        assertEquals(0, twice.code, twice.toString());
        assertEquals("Not logged in to other:5000\n", twice.out);
    }

    @Test
    void imagesDigestsAndPrune() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.equals("/v1/images")) {
                FakeDaemon.json(out, 200, "[" + IMAGE + "]");
            } else if (req.target.equals("/v1/images/prune?all=true")) {
                FakeDaemon.json(out, 200, "{\"removed\":[\"sha256:" + "b".repeat(64) + "\"],\"reclaimed\":4500000}");
            } else {
                FakeDaemon.error(out, 404, "unexpected " + req);
            }
        });
        Cli images = Cli.run(daemon.socket(), "images", "--digests");
        assertEquals(0, images.code, images.toString());
        List<String> lines = images.out.lines().toList();
        assertTrue(lines.get(0).matches("REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE"), lines.get(0));
        assertTrue(lines.get(1).matches("127.0.0.1:5000/app +v1 +sha256:c{64} +b{12} .*"), lines.get(1));

        Cli prune = Cli.run(daemon.socket(), "image", "prune", "-a", "-f");
        assertEquals(0, prune.code, prune.toString());
        assertEquals("Deleted Images:\ndeleted: sha256:" + "b".repeat(64) + "\n\nTotal reclaimed space: 4.5MB\n", prune.out);
        Cli declined = Cli.runWithInput(daemon.socket(), new ByteArrayInputStream("n\n".getBytes()), "image", "prune");
        assertEquals(0, declined.code);
        assertEquals(2, daemon.requests.size(), "declining calls nothing");
    }
}
