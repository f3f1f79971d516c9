package dev.berth.daemon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A {@code filters} parameter in Docker's form, {@code {"name":["web"],"label":["tier=db"]}} (or the older
 * {@code {"name":{"web":true}}}): the values of one key are alternatives, the keys must all match.
 */
final class Filters {
    private final Map<String, List<String>> byKey;

    private Filters(Map<String, List<String>> byKey) {
        this.byKey = byKey;
    }

    /** {@code operation} starts the error messages; a key outside {@code keys} is refused. */
    static Filters parse(String operation, String json, Set<String> keys) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return new Filters(byKey);
        }
        JsonNode root;
        try {
            root = OciJson.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw BerthException.invalid(operation + ": filters are not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw BerthException.invalid(operation + ": filters want an object of lists, such as {\"name\":[\"web\"]}");
        }
        root.fields().forEachRemaining(f -> {
            if (!keys.contains(f.getKey())) {
                throw BerthException.invalid(operation + ": unknown filter '" + f.getKey() + "' (one of "
                        + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
            List<String> values = new ArrayList<>();
            if (f.getValue().isArray()) {
                f.getValue().forEach(v -> values.add(v.asText()));
            } else if (f.getValue().isObject()) {
                f.getValue().fieldNames().forEachRemaining(values::add);
            } else {
                throw BerthException.invalid(operation + ": filter " + f.getKey() + " wants a list of strings");
            }
            byKey.put(f.getKey(), values);
        });
        return new Filters(byKey);
    }

    boolean has(String key) {
        return byKey.containsKey(key);
    }

    List<String> values(String key) {
        return byKey.getOrDefault(key, List.of());
    }

    /** Whether some value of {@code key} passes {@code test}; true when the key is not filtered on. */
    boolean any(String key, Predicate<String> test) {
        List<String> values = byKey.get(key);
        return values == null || values.stream().anyMatch(test);
    }

    /** A label filter's value, {@code KEY} or {@code KEY=VALUE}, against a set of labels. */
    static boolean labelMatches(Map<String, String> labels, String want) {
        int eq = want.indexOf('=');
        return eq < 0 ? labels.containsKey(want) : want.substring(eq + 1).equals(labels.get(want.substring(0, eq)));
    }
}
