package dev.berth.daemon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.model.ContainerSummary;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code filters} of a container list, in Docker's form ({@code {"name":["web"],"label":["tier=db"]}},
 * or the older {@code {"name":{"web":true}}}): values of one key are alternatives, keys must all match.
 * id is a prefix, name a regular expression searched in the name, label {@code KEY} or {@code KEY=VALUE},
 * status a state, ancestor an image reference or id prefix.
 */
final class ContainerListFilter {
    private static final Set<String> KEYS = Set.of("id", "name", "label", "status", "ancestor");
    private static final Set<String> STATES = Set.of("created", "running", "exited", "stopped", "broken",
            "paused", "restarting", "removing", "dead");

    private final Map<String, List<String>> byKey;
    private final List<Pattern> names = new ArrayList<>();

    private ContainerListFilter(Map<String, List<String>> byKey) {
        this.byKey = byKey;
        for (String n : byKey.getOrDefault("name", List.of())) {
            try {
                names.add(Pattern.compile(n));
            } catch (PatternSyntaxException e) {
                throw BerthException.invalid("filters: name '" + n + "' is not a regular expression: " + e.getDescription());
            }
        }
        for (String s : byKey.getOrDefault("status", List.of())) {
            if (!STATES.contains(s)) {
                throw BerthException.invalid("filters: unknown status '" + s + "' (one of " + String.join(", ", STATES.stream().sorted().toList()) + ")");
            }
        }
    }

    /** The filter of a request's {@code filters} parameter; none when it is absent or empty. */
    static ContainerListFilter parse(String json) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return new ContainerListFilter(byKey);
        }
        JsonNode root;
        try {
            root = OciJson.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw BerthException.invalid("filters: not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw BerthException.invalid("filters: want an object of lists, such as {\"name\":[\"web\"]}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KEYS.contains(e.getKey())) {
                throw BerthException.invalid("filters: unknown filter '" + e.getKey() + "' (one of ancestor, id, label, name, status)");
            }
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else if (e.getValue().isObject()) {
                e.getValue().fieldNames().forEachRemaining(values::add);
            } else {
                throw BerthException.invalid("filters: " + e.getKey() + " wants a list of strings");
            }
            byKey.put(e.getKey(), values);
        }
        return new ContainerListFilter(byKey);
    }

    /** A status filter lists stopped containers without {@code all}, as Docker's does. */
    boolean asksForStates() {
        return byKey.containsKey("status");
    }

    boolean matches(ContainerSummary c) {
        return all("id", v -> c.id().startsWith(v))
                && (names.isEmpty() || c.name() != null && names.stream().anyMatch(p -> p.matcher(c.name()).find()))
                && all("label", v -> label(c.labels(), v))
                && all("status", v -> v.equals(c.state()) || v.equals("stopped") && "exited".equals(c.state()))
                && all("ancestor", v -> ancestor(c, v));
    }

    private boolean all(String key, java.util.function.Predicate<String> test) {
        List<String> values = byKey.get(key);
        return values == null || values.stream().anyMatch(test);
    }

    private static boolean label(Map<String, String> labels, String want) {
        int eq = want.indexOf('=');
        return eq < 0 ? labels.containsKey(want) : want.substring(eq + 1).equals(labels.get(want.substring(0, eq)));
    }

    private static boolean ancestor(ContainerSummary c, String want) {
        String image = c.image() == null ? "" : c.image();
        String id = c.imageId() == null ? "" : c.imageId().replaceFirst("^sha256:", "");
        String bare = want.replaceFirst("^sha256:", "");
        return image.equals(want) || image.equals(want + ":latest") || image.endsWith("/" + want)
                || image.endsWith("/" + want + ":latest") || !bare.isEmpty() && id.startsWith(bare);
    }
}
