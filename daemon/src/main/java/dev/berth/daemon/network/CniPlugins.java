package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** Finds CNI plugin executables in the bin dirs and runs them by the CNI execution protocol (spec section 2). */
final class CniPlugins {
    private static final System.Logger LOG = System.getLogger(CniPlugins.class.getName());
    private static final long TIMEOUT_SECONDS = 60;
    /** CNI's "try again later" error code. */
    private static final int CODE_TRY_AGAIN = 11;
    /** Drains plugin stdout/stderr, so a plugin that hangs or writes much cannot block the caller past the timeout. */
    private static final ExecutorService PIPE_READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cni-plugin-pipe");
        t.setDaemon(true);
        return t;
    });

    /** The CNI_* environment of one invocation but for CNI_COMMAND and CNI_PATH, which this class adds. */
    record Invocation(String containerId, String netns, String ifName, String args) {
    }

    private final List<Path> binDirs;
    private final String cniPath;

    CniPlugins(List<Path> binDirs) {
        if (binDirs.isEmpty()) {
            throw BerthException.invalid("configure CNI: no plugin bin directory given");
        }
        this.binDirs = List.copyOf(binDirs);
        this.cniPath = binDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
    }

    /** The executable for plugin {@code type}: the first bin dir that has it wins, as with CNI_PATH. */
    Path find(String type) {
        for (Path dir : binDirs) {
            Path p = dir.resolve(type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                "CNI plugin \"" + type + "\" not found in " + binDirs);
    }

    /**
     * Runs plugin {@code config.type} with {@code command} (ADD, DEL) and {@code config} on stdin; returns
     * its JSON result, or null when it printed nothing (DEL). A failure is an exception whose message
     * starts with {@code operation} and carries the plugin type and the plugin's own error message.
     */
    JsonNode exec(String operation, String command, ObjectNode config, Invocation inv) {
        String type = config.get("type").asText();
        Path binary = find(type);
        String what = operation + ": CNI plugin " + type + " " + command;
        ProcessBuilder pb = new ProcessBuilder(binary.toString());
        // The plugins find iptables, ip and their IPAM plugins through the inherited PATH and CNI_PATH.
        Map<String, String> env = pb.environment();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", inv.containerId());
        env.put("CNI_NETNS", inv.netns());
        env.put("CNI_IFNAME", inv.ifName());
        env.put("CNI_ARGS", inv.args());
        env.put("CNI_PATH", cniPath);
        long started = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, what + ": cannot run " + binary + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> stdout = drain(p.getInputStream());
        CompletableFuture<String> stderr = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            in.write(OciJson.toBytes(config));
        } catch (IOException e) {
            // The plugin exited without reading its config; its exit status and output say why.
            LOG.log(Level.DEBUG, "{0}: writing the config failed: {1}", what, e.getMessage());
        }
        String out;
        String err;
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BerthException(BerthException.Kind.UNAVAILABLE, what + ": did not finish in " + TIMEOUT_SECONDS + " s");
            }
            out = stdout.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            err = stderr.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, what + ": interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw BerthException.internal(what + ": read its output: " + e, e);
        }
        if (!err.isBlank()) {
            LOG.log(Level.DEBUG, "{0}: stderr: {1}", what, err.strip());
        }
        LOG.log(Level.DEBUG, "{0}: exit status {1} in {2} ms", what, p.exitValue(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        if (p.exitValue() != 0) {
            throw failure(what, p.exitValue(), out, err);
        }
        if (out.isBlank()) {
            return null;
        }
        try {
            return OciJson.mapper().readTree(out);
        } catch (IOException e) {
            throw BerthException.internal(what + ": malformed result JSON: " + out.strip(), e);
        }
    }

    /** The plugin's error result (spec: code, msg, details on stdout) or, from a plugin that broke the protocol, its text. */
    private static BerthException failure(String what, int exitStatus, String out, String err) {
        JsonNode error = null;
        try {
            error = out.isBlank() ? null : OciJson.mapper().readTree(out);
        } catch (IOException notJson) {
            // Not an error result: the raw output below is all there is.
        }
        if (error != null && error.hasNonNull("msg")) {
            int code = error.path("code").asInt(0);
            String details = error.path("details").asText("");
            return new BerthException(code == CODE_TRY_AGAIN ? BerthException.Kind.UNAVAILABLE : BerthException.Kind.INTERNAL,
                    what + " failed (code " + code + "): " + error.get("msg").asText() + (details.isEmpty() ? "" : ": " + details));
        }
        String text = !err.isBlank() ? err.strip() : out.strip();
        return BerthException.internal(what + " failed (exit status " + exitStatus + ")" + (text.isEmpty() ? "" : ": " + text), null);
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, PIPE_READERS);
    }
}
