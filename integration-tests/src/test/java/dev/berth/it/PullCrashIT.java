package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.TestRegistry;
import dev.berth.it.support.ImageStoreFiles;
import dev.berth.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of berthd in the middle of a pull: after a restart the image store holds no trace of the pull (no
 * image, nothing in tmp/, no blob or layer that no image references) but the big layer's partial download,
 * and the same pull then works, resuming that download with a Range request.
 */
class PullCrashIT {
    private static final int BIG_LAYER_BYTES = 30 << 20;
    /** Slow enough that the big layer takes ~15 s through the proxy, so the kill lands mid-download. */
    private static final long THROTTLED_BYTES_PER_SECOND = 2 << 20;

    private Path work;
    private TestRegistry registry;
    private ThrottlingProxy proxy;
    private BerthHarness berth;
    private Process pull;

    @BeforeEach
    void start() throws Exception {
        TestRegistry.assumeTools("pull crash test");
        work = Files.createTempDirectory(Path.of("/tmp"), "bpcrash");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (pull != null) {
                pull.destroyForcibly();
                pull.waitFor(10, TimeUnit.SECONDS);
            }
            if (berth != null) {
                berth.close();
            }
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (registry != null) {
                registry.close();
            }
            if (work != null) {
                BerthHarness.run("rm", "-rf", work.toString());
            }
        }
    }

    @Test
    void killNineMidPullLeavesAConsistentStoreAndThePullThenWorks() throws Exception {
        registry = TestRegistry.start(work);
        Path layout = registry.busyboxLayout("layout");
        // A small layer of its own (the busybox one is in the store already, as the built-in image) that
        // completes before the kill, and a big one that cannot.
        registry.addRandomLayer(layout, "small", 64 << 10);
        registry.addRandomLayer(layout, "big", BIG_LAYER_BYTES);
        registry.push(layout, "crash:v1");
        proxy = new ThrottlingProxy(registry.host());
        proxy.bytesPerSecond = THROTTLED_BYTES_PER_SECOND;
        String ref = proxy.host() + "/crash:v1";

        berth = new BerthHarness();
        Path store = berth.root().resolve("images");
        Set<String> blobsBefore = entries(store.resolve("blobs/sha256"));
        Set<String> layersBefore = entries(store.resolve("layers"));

        pull = startPull(ref);
        List<String> seen = new ArrayList<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(pull.getInputStream(), StandardCharsets.UTF_8));
        // The CLI prints a line per layer state change; the big layer is the one still "Downloading" once
        // the proxy has sent some MB of it.
        String line;
        boolean midDownload = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!midDownload && System.nanoTime() < deadline && (line = lines.readLine()) != null) {
            seen.add(line);
            if (line.contains("Downloading")) {
                midDownload = Await.eventually(() -> proxy.bigBlobBytesSent.get() >= 4 << 20, 20_000);
            }
        }
        assertTrue(midDownload, "the pull never reported a download in progress: " + seen);
        assertTrue(pull.isAlive(), "the pull finished before the kill: " + seen);
        assertTrue(proxy.bigBlobBytesSent.get() < BIG_LAYER_BYTES, "the big layer was fully sent before the kill");
        assertEquals(1, entries(store.resolve("partial")).size(), "no download in progress in partial/ at the kill");

        berth.killDaemon();
        assertTrue(pull.waitFor(30, TimeUnit.SECONDS), "the CLI did not notice the daemon's death");
        assertTrue(pull.exitValue() != 0, "a pull whose daemon died reported success");
        berth.startDaemon();

        assertFalse(berth.ok("images").contains(proxy.host() + "/crash"), "a half-pulled image is listed");
        assertEquals(Set.of(), entries(store.resolve("tmp")), "partial files left in tmp/");
        assertStoreHoldsOnlyWhatImagesReference(store);
        assertEquals(blobsBefore, entries(store.resolve("blobs/sha256")), "blobs other than the built-in image's");
        assertEquals(layersBefore, entries(store.resolve("layers")), "layers other than the built-in image's");
        Set<String> partial = entries(store.resolve("partial"));
        assertEquals(1, partial.size(), "the big layer's partial download was not kept: " + partial);
        String bigHex = partial.iterator().next();
        long kept = Files.size(store.resolve("partial").resolve(bigHex));
        assertTrue(kept > 0 && kept < BIG_LAYER_BYTES, "partial download of " + kept + " bytes");

        proxy.bytesPerSecond = 0;
        proxy.blobRanges.clear();
        String id = berth.ok("pull", "-q", ref);
        assertTrue(proxy.blobRanges.contains(bigHex + " bytes=" + kept + "-"),
                "the pull did not resume the big layer after its " + kept + " bytes: " + proxy.blobRanges);
        assertEquals(Set.of(), entries(store.resolve("partial")), "partial downloads left after the pull");
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        assertTrue(berth.ok("images").contains(proxy.host() + "/crash"), "the pulled image is not listed");
        assertEquals(Integer.toString(BIG_LAYER_BYTES),
                berth.ok("run", "--rm", ref, "sh", "-c", "cat /big/random | wc -c").strip());
        assertStoreHoldsOnlyWhatImagesReference(store);
    }

    private static void assertStoreHoldsOnlyWhatImagesReference(Path store) throws IOException {
        assertEquals(List.of(), ImageStoreFiles.differencesFromReferenced(store));
    }

    private static Set<String> entries(Path dir) throws IOException {
        return ImageStoreFiles.entries(dir);
    }

    private Process startPull(String ref) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(BerthHarness.REPO.resolve("cli/src/main/sh/berth").toString(), "pull", ref);
        pb.environment().put("BERTH_SOCKET", berth.socket().toString());
        pb.environment().put("BERTH_LIB", BerthHarness.REPO.resolve("cli/target/lib").toString());
        return pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    /**
     * A loopback HTTP front for the registry (Range requests forwarded) that sends blobs over 8 MiB at
     * {@link #bytesPerSecond} (0: at full speed), counts what it sent of them and logs each blob request's
     * Range ("digest-hex range", range "-" when none).
     */
    private static final class ThrottlingProxy implements AutoCloseable {
        private static final int CHUNK = 64 << 10;
        private final HttpServer server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final String upstream;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final AtomicLong bigBlobBytesSent = new AtomicLong();
        final Queue<String> blobRanges = new ConcurrentLinkedQueue<>();
        volatile long bytesPerSecond;

        ThrottlingProxy(String upstreamHost) throws IOException {
            upstream = "http://" + upstreamHost;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(threads);
            server.createContext("/", this::handle);
            server.start();
        }

        String host() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            try (ex) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()))
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
                String accept = ex.getRequestHeaders().getFirst("Accept");
                if (accept != null) {
                    b.header("Accept", accept);
                }
                String range = ex.getRequestHeaders().getFirst("Range");
                if (range != null) {
                    b.header("Range", range);
                }
                String path = ex.getRequestURI().getPath();
                if (path.contains("/blobs/")) {
                    blobRanges.add(path.substring(path.lastIndexOf(':') + 1) + " " + (range == null ? "-" : range));
                }
                HttpResponse<byte[]> resp;
                try {
                    resp = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                for (String h : List.of("Content-Type", "Docker-Content-Digest", "WWW-Authenticate", "Location",
                        "Content-Range")) {
                    resp.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
                }
                byte[] body = resp.body();
                boolean head = ex.getRequestMethod().equals("HEAD");
                ex.sendResponseHeaders(resp.statusCode(), head || body.length == 0 ? -1 : body.length);
                if (head || body.length == 0) {
                    return;
                }
                boolean big = ex.getRequestURI().getPath().contains("/blobs/") && body.length > 8 << 20;
                OutputStream out = ex.getResponseBody();
                for (int off = 0; off < body.length; off += CHUNK) {
                    int n = Math.min(CHUNK, body.length - off);
                    out.write(body, off, n);
                    out.flush();
                    if (big) {
                        bigBlobBytesSent.addAndGet(n);
                        long rate = bytesPerSecond;
                        if (rate > 0) {
                            throttle(n * 1000L / rate);
                        }
                    }
                }
            }
        }

        /** The proxy's bandwidth limit: here the pause is the point, it waits for nothing. */
        private static void throttle(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
