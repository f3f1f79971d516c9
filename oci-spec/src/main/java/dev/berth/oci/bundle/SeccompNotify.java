package dev.berth.oci.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A seccomp profile whose {@code syscalls} go to a user-space listener (SCMP_ACT_NOTIFY) instead of their
 * rule in the profile: runc connects to {@code listenerPath} at create and hands it the notification
 * descriptor. The names leave every rule without argument conditions that lists them (libseccomp refuses
 * two actions for one syscall), and one NOTIFY rule takes them; other rules are kept as they are.
 */
public final class SeccompNotify {
    private SeccompNotify() {
    }

    /** A copy of {@code profile} sending {@code syscalls} to {@code listenerPath}; the profile itself is left as it is. */
    public static JsonNode forward(JsonNode profile, List<String> syscalls, String listenerPath) {
        ObjectNode out = profile.deepCopy();
        ArrayNode rules = out.withArray("syscalls");
        for (int i = rules.size() - 1; i >= 0; i--) {
            JsonNode rule = rules.get(i);
            JsonNode names = rule.get("names");
            if (names == null || !names.isArray() || (rule.has("args") && rule.get("args").size() > 0)) {
                continue;
            }
            ArrayNode kept = ((ArrayNode) names).arrayNode();
            names.forEach(n -> {
                if (!syscalls.contains(n.asText())) {
                    kept.add(n);
                }
            });
            if (kept.isEmpty()) {
                rules.remove(i);
            } else {
                ((ObjectNode) rule).set("names", kept);
            }
        }
        ObjectNode notify = rules.addObject();
        ArrayNode names = notify.putArray("names");
        syscalls.forEach(names::add);
        notify.put("action", "SCMP_ACT_NOTIFY");
        out.put("listenerPath", listenerPath);
        return out;
    }
}
