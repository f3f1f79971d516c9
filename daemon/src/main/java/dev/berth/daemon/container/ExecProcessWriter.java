package dev.berth.daemon.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.runtime.Process;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Writes the process.json of an exec: the container's own process (capabilities, rlimits, user,
 * no-new-privileges) with the exec's command, extra environment, directory, user and terminal.
 */
final class ExecProcessWriter {
    private ExecProcessWriter() {
    }

    /** @param user the exec's user resolved in the container, or null to keep the container's own */
    static Path write(String id, Path bundle, Path shimDir, ExecCreate exec, Process.User user) {
        try {
            JsonNode spec = OciJson.mapper().readTree(bundle.resolve("config.json").toFile());
            ObjectNode process = ((ObjectNode) spec.get("process")).deepCopy();
            ArrayNode args = process.putArray("args");
            exec.cmd().forEach(args::add);
            process.put("terminal", exec.tty());
            if (exec.tty() && exec.consoleSize() != null) {
                process.putObject("consoleSize").put("height", exec.consoleSize().height())
                        .put("width", exec.consoleSize().width());
            }
            if (exec.workingDir() != null) {
                process.put("cwd", exec.workingDir());
            }
            if (exec.env() != null && !exec.env().isEmpty()) {
                Map<String, String> env = new LinkedHashMap<>();
                process.withArray("env").forEach(e -> put(env, e.asText()));
                exec.env().forEach(e -> put(env, e));
                ArrayNode merged = process.putArray("env");
                env.forEach((k, v) -> merged.add(k + "=" + v));
            }
            if (user != null) {
                process.set("user", OciJson.mapper().valueToTree(user));
            }
            Path file = shimDir.resolve("exec-" + UUID.randomUUID() + ".json");
            OciJson.writeAtomically(file, process);
            return file;
        } catch (IOException e) {
            throw BerthException.internal("exec in container " + id + ": read its spec: " + e.getMessage(), e);
        }
    }

    private static void put(Map<String, String> env, String kv) {
        int eq = kv.indexOf('=');
        env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
    }
}
