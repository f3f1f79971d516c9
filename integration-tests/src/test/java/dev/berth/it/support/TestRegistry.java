package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's docker-registry on a free loopback port, storing under a work directory, and the images pushed to
 * it: the built-in busybox layout plus layers of random bytes (umoci), pushed with skopeo.
 */
public final class TestRegistry implements AutoCloseable {
    private final Path work;
    private final Process process;
    private final String host;

    private TestRegistry(Path work, Process process, String host) {
        this.work = work;
        this.process = process;
        this.host = host;
    }

    /** Skips the calling test unless the registry and the tools that fill it are installed. */
    public static void assumeTools(String test) {
        for (String tool : List.of("docker-registry", "skopeo", "umoci", "tar")) {
            assumeTrue(onPath(tool), tool + " is not installed: " + test + " skipped");
        }
        assumeTrue(Files.isDirectory(BerthHarness.REPO.resolve("build/images/busybox")),
                "build the built-in image first (build/images/busybox)");
    }

    /** Starts a registry storing under {@code work}/registry; {@link #close()} stops it. */
    public static TestRegistry start(Path work) throws Exception {
        Path dir = work.resolve("registry");
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Files.writeString(dir.resolve("config.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
                + dir.resolve("data") + "\nhttp:\n  addr: " + host + "\n");
        Process process = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        TestRegistry registry = new TestRegistry(work, process, host);
        if (!BerthHarness.eventually(() -> answers(host), 20_000)) {
            registry.close();
            throw new AssertionError("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
        }
        return registry;
    }

    /** host:port */
    public String host() {
        return host;
    }

    /** A copy of the built-in busybox image as an OCI layout under the work directory. */
    public Path busyboxLayout(String name) throws Exception {
        Path layout = work.resolve(name);
        check("cp", "-a", BerthHarness.REPO.resolve("build/images/busybox").toString(), layout.toString());
        return layout;
    }

    /** Appends a layer holding {@code /<name>/random} of incompressible bytes to the layout's latest tag. */
    public void addRandomLayer(Path layout, String name, int bytes) throws Exception {
        Path tree = work.resolve("tree-" + name);
        Files.createDirectories(tree.resolve(name));
        byte[] data = new byte[bytes];
        new Random(name.hashCode()).nextBytes(data);
        Files.write(tree.resolve(name).resolve("random"), data);
        Path tar = work.resolve(name + ".tar");
        check("tar", "-C", tree.toString(), "-cf", tar.toString(), name);
        check("umoci", "raw", "add-layer", "--image", layout + ":latest", tar.toString());
        BerthHarness.run("rm", "-rf", tree.toString(), tar.toString());
    }

    /** Pushes the layout's latest tag as {@code nameAndTag} (e.g. "app:v1") to this registry. */
    public void push(Path layout, String nameAndTag) throws Exception {
        Path policy = work.resolve("policy.json");
        Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
        check("skopeo", "--policy", policy.toString(), "copy", "--dest-tls-verify=false",
                "oci:" + layout + ":latest", "docker://" + host + "/" + nameAndTag);
    }

    private static void check(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static boolean answers(String host) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + "/v2/").toURL().openConnection();
            c.setConnectTimeout(500);
            int code = c.getResponseCode();
            c.disconnect();
            return code == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    public static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "docker-registry did not stop");
    }
}
