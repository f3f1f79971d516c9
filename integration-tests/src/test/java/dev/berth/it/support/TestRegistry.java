package dev.berth.it.support;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One docker-registry process on a free loopback port, storing under its own dir; with htpasswd basic auth
 * when a user and password are given. Stopped with SIGKILL by {@link #close()}; the caller removes the dir.
 */
public record TestRegistry(Process process, String host, Path dir) implements AutoCloseable {
    public static TestRegistry start(Path dir, String user, String password) throws Exception {
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
        // skopeo's policy of our own: the host's is left alone.
        Files.writeString(dir.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
        Process p = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        TestRegistry r = new TestRegistry(p, host, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!r.answers()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
        return r;
    }

    private boolean answers() {
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

    /** skopeo copy of an OCI layout's tag to NAME here. */
    public void push(Path layout, String tag, String name, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "--policy", dir.resolve("policy.json").toString(),
                "copy", "--dest-tls-verify=false"));
        cmd.addAll(List.of(extra));
        cmd.add("oci:" + layout + ":" + tag);
        cmd.add("docker://" + host + "/" + name);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
