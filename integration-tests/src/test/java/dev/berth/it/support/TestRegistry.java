package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.Await;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry on a free loopback port, storing under a work directory (with htpasswd basic auth
 * when a user and password are given), and the images pushed to it: the built-in busybox layout plus layers
 * of random bytes (umoci), pushed with skopeo. {@link #close()} stops it; the caller removes the directory.
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
            assumeTrue(BerthHarness.onPath(tool), tool + " is not installed: " + test + " skipped");
        }
        assumeTrue(Files.isDirectory(BerthHarness.REPO.resolve("build/images/busybox")),
                "build the built-in image first (build/images/busybox)");
    }

    /** An open registry storing under {@code work}/registry. */
    public static TestRegistry start(Path work) throws Exception {
        return start(work, null, null);
    }

    /** A registry storing under {@code work}/registry, with basic auth unless {@code password} is null. */
    public static TestRegistry start(Path work, String user, String password) throws Exception {
        Path dir = work.resolve("registry");
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        StringBuilder cfg = new StringBuilder("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
                + dir.resolve("data") + "\nhttp:\n  addr: " + host + "\n");
        if (password != null) {
            Files.writeString(dir.resolve("htpasswd"), BerthHarness.run("htpasswd", "-Bbn", user, password).strip() + "\n");
            cfg.append("auth:\n  htpasswd:\n    realm: berth-it\n    path: ").append(dir.resolve("htpasswd")).append('\n');
        }
        Files.writeString(dir.resolve("config.yml"), cfg);
        Process process = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        TestRegistry registry = new TestRegistry(work, process, host);
        if (!Await.eventually(() -> answers(host), 20_000)) {
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

    /**
     * Pushes the layout's latest tag as {@code nameAndTag} (e.g. "app:v1") to this registry.
     * @param skopeoArgs more arguments for skopeo copy, e.g. {@code --dest-creds user:password}
     */
    public void push(Path layout, String nameAndTag, String... skopeoArgs) throws Exception {
        // skopeo's policy of our own: the host's is left alone
        Path policy = work.resolve("policy.json");
        Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
        List<String> cmd = new ArrayList<>(List.of("skopeo", "--policy", policy.toString(), "copy",
                "--dest-tls-verify=false"));
        cmd.addAll(List.of(skopeoArgs));
        cmd.add("oci:" + layout + ":latest");
        cmd.add("docker://" + host + "/" + nameAndTag);
        check(cmd.toArray(String[]::new));
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
            return code == 200 || code == 401;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "docker-registry did not stop");
    }
}
