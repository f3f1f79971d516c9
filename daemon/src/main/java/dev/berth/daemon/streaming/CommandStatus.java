package dev.berth.daemon.streaming;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * The metav1.Status a v4+ remotecommand server writes on the error stream when the command ends;
 * kubectl turns NonZeroExitCode into its own exit code.
 */
final class CommandStatus {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CommandStatus() {
    }

    static byte[] success() {
        return bytes(base("Success"));
    }

    static byte[] exitCode(int code) {
        if (code == 0) {
            return success();
        }
        ObjectNode s = base("Failure");
        s.put("message", "command terminated with non-zero exit code: exit status " + code);
        s.put("reason", "NonZeroExitCode");
        s.putObject("details").putArray("causes").addObject()
                .put("reason", "ExitCode").put("message", Integer.toString(code));
        return bytes(s);
    }

    static byte[] failure(String message) {
        ObjectNode s = base("Failure");
        s.put("message", message);
        s.put("reason", "InternalError");
        return bytes(s);
    }

    private static ObjectNode base(String status) {
        ObjectNode s = JSON.createObjectNode();
        s.putObject("metadata");
        s.put("status", status);
        return s;
    }

    private static byte[] bytes(ObjectNode s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
