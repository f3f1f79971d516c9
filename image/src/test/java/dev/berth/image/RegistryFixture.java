package dev.berth.image;

import dev.berth.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian {@code docker-registry} on 127.0.0.1 (or another local address) and a free port, storing
 * under a temp dir, optionally with htpasswd basic auth or TLS; images are pushed with skopeo. Close stops
 * it and deletes its storage.
 */
final class RegistryFixture implements AutoCloseable {
    static final String REGISTRY = "/usr/bin/docker-registry";
    static final String SKOPEO = "skopeo";
    static final String POLICY = "/etc/containers/policy.json";

    /** Why registry tests cannot run here, or null when they can. */
    static String missing() {
        if (!Files.isExecutable(Path.of(REGISTRY))) return "docker-registry is not installed (apt-get install docker-registry)";
        if (!onPath(SKOPEO)) return "skopeo is not installed (apt-get install skopeo)";
        if (!onPath("curl")) return "curl is not installed (apt-get install curl)";
        return null;
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /**
     * skopeo refuses to run without a signature policy; creates a permissive one only when there is none,
     * and returns whether it did (so the caller deletes it again).
     */
    static boolean ensurePolicy() throws IOException {
        Path p = Path.of(POLICY);
        if (Files.exists(p)) return false;
        Files.createDirectories(p.getParent());
        Files.writeString(p, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
        System.out.println("created " + POLICY + " (accept anything) for skopeo; it is removed after the tests");
        return true;
    }

    /** A certificate and its key (PEM files) to serve https with. */
    record Tls(Path certificate, Path key) {}

    final Path dir;
    final int port;
    private final String address;
    private final String htpasswdLine;
    private final Tls tls;
    private Process process;

    RegistryFixture(Path dir, String htpasswdLine) throws Exception {
        this(dir, "127.0.0.1", htpasswdLine, null);
    }

    RegistryFixture(Path dir, String address, String htpasswdLine, Tls tls) throws Exception {
        this.dir = dir;
        this.address = address;
        this.htpasswdLine = htpasswdLine;
        this.tls = tls;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        start();
    }

    String host() {
        return address + ":" + port;
    }

    void start() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        StringBuilder cfg = new StringBuilder("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data")
                + "\nhttp:\n  addr: " + host() + "\n");
        if (htpasswdLine != null) {
            Files.writeString(dir.resolve("htpasswd"), htpasswdLine + "\n");
            cfg.append("auth:\n  htpasswd:\n    realm: berth-test\n    path: ").append(dir.resolve("htpasswd")).append('\n');
        }
        if (tls != null) {
            cfg.append("  tls:\n    certificate: ").append(tls.certificate()).append("\n    key: ").append(tls.key()).append('\n');
        }
        Files.writeString(dir.resolve("config.yml"), cfg);
        process = new ProcessBuilder(REGISTRY, "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        if (!Await.lastValue(() -> answers() || !process.isAlive(), up -> up, 15_000) || !process.isAlive()) {
            throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
        }
    }

    /** Whether /v2/ answers (200, or 401 with auth), over https (not verified) or http. */
    private boolean answers() throws Exception {
        String[] curl = {"curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                (tls != null ? "https://" : "http://") + host() + "/v2/"};
        Process p = new ProcessBuilder(curl).redirectErrorStream(true).start();
        String code = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return code.equals("200") || code.equals("401");
    }

    /** Stops the registry process (as a crash would: SIGKILL), keeping its storage. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** skopeo copy oci:LAYOUT:tag docker://host/name, with extra flags (--format v2s2, --multi-arch all, --dest-creds). */
    void push(Path layout, String tag, String name, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SKOPEO, "copy", "--dest-tls-verify=false"));
        cmd.addAll(List.of(extra));
        cmd.add("oci:" + layout + ":" + tag);
        cmd.add("docker://" + host() + "/" + name);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** GET {@code /v2/<name>/manifests/<ref>} as {@code accept}: the registry's bytes. */
    byte[] manifest(String name, String ref, String accept) throws Exception {
        HttpResponse<byte[]> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + host() + "/v2/" + name + "/manifests/" + ref)).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("GET manifest " + name + ":" + ref + ": " + resp.statusCode());
        }
        return resp.body();
    }

    /** PUT {@code /v2/<name>/manifests/<tag>}: what skopeo cannot push, e.g. a Docker manifest list built by hand. */
    void putManifest(String name, String tag, String mediaType, byte[] body) throws Exception {
        HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + host() + "/v2/" + name + "/manifests/" + tag)).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 201) {
            throw new IllegalStateException("PUT manifest " + name + ":" + tag + ": " + resp.statusCode() + " " + resp.body());
        }
    }

    @Override
    public void close() throws Exception {
        kill();
        TestSupport.deleteTree(dir);
    }
}
