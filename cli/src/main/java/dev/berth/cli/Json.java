package dev.berth.cli;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** jackson-jr on plain maps and lists: no databind, no bean introspection, little to load. */
public final class Json {
    private static final JSON PRETTY = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

    private Json() {
    }

    public static Object parse(String text) throws IOException {
        return JSON.std.anyFrom(text);
    }

    public static Object parse(byte[] bytes) throws IOException {
        return JSON.std.anyFrom(bytes);
    }

    public static byte[] bytes(Object value) throws IOException {
        return JSON.std.asBytes(value);
    }

    public static String compact(Object value) throws IOException {
        return JSON.std.asString(value);
    }

    public static String pretty(Object value) throws IOException {
        return PRETTY.asString(value);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        if (o instanceof Map) {
            return (Map<String, Object>) o;
        }
        return Collections.emptyMap();
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object o) {
        if (o instanceof List) {
            return (List<Object>) o;
        }
        return Collections.emptyList();
    }

    public static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    public static String str(Map<String, Object> m, String key, String dflt) {
        Object v = m.get(key);
        return v == null ? dflt : v.toString();
    }

    public static long lng(Map<String, Object> m, String key, long dflt) {
        Object v = m.get(key);
        if (v instanceof Number) {
            return ((Number) v).longValue();
        }
        if (v instanceof String) {
            try {
                return Long.parseLong((String) v);
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    public static boolean bool(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Boolean ? (Boolean) v : "true".equals(v);
    }
}
