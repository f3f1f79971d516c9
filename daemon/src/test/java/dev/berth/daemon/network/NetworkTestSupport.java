package dev.berth.daemon.network;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Host commands and checks the network tests share. */
final class NetworkTestSupport {
    static final Path CNI_BIN = Path.of("/usr/lib/cni");
    static final String BUSYBOX = "busybox";

    record Result(int exit, String output) {
    }

    private NetworkTestSupport() {
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Skips, with the reason printed, where the real thing cannot run. */
    static void assumeRootAndCniPlugins() {
        if (!isRoot()) {
            System.out.println("network tests skipped: they need root");
        } else if (!Files.isExecutable(CNI_BIN.resolve("bridge"))) {
            System.out.println("network tests skipped: " + CNI_BIN.resolve("bridge") + " is missing (apt-get install containernetworking-plugins)");
        }
        assumeTrue(isRoot(), "needs root");
        assumeTrue(Files.isExecutable(CNI_BIN.resolve("bridge")), CNI_BIN + "/bridge is missing");
    }

    /** Runs {@code cmd} to its end (at most 30 s), output and error merged. */
    static Result run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + ": did not finish in 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", cmd) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(String.join(" ", cmd) + ": interrupted", e);
        }
    }

    /** Runs {@code cmd} inside the network namespace pinned at {@code netns}. */
    static Result inNetns(Path netns, String... cmd) {
        String[] full = new String[cmd.length + 2];
        full[0] = "nsenter";
        full[1] = "--net=" + netns;
        System.arraycopy(cmd, 0, full, 2, cmd.length);
        return run(full);
    }

    static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /** Deletes a bridge a test made; one that is not there is fine. */
    static void deleteLink(String name) {
        if (linkExists(name)) {
            run(BUSYBOX, "ip", "link", "del", name);
        }
    }

    /** The addresses host-local holds leases for: one file per address in its per-network data dir. */
    static List<String> leases(Path dataDir, String network) throws IOException {
        Path dir = dataDir.resolve(network);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("[0-9.]+")).sorted().toList();
        }
    }
}
