package dev.berth.cli.template;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Go's view of JSON data: field lookup, truth, printing and comparison. */
final class Values {
    /** What Go prints for a missing map key. */
    static final String NO_VALUE = "<no value>";

    private Values() {
    }

    static Object walk(Object v, List<String> path) {
        for (String name : path) {
            if (!(v instanceof Map<?, ?> map)) {
                throw new TemplateException("can't evaluate field " + name + " in " + kind(v));
            }
            v = field(map, name);
        }
        return v;
    }

    /** The exact key, else the one key that equals it without regard to case (Docker's names on the API's). */
    static Object field(Map<?, ?> map, String name) {
        if (map.containsKey(name)) {
            return map.get(name);
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() instanceof String k && k.equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    static boolean truth(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** fmt.Print's form: maps as map[k:v] with sorted keys, lists as [a b]. */
    static String print(Object v) {
        if (v == null) {
            return NO_VALUE;
        }
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e21) {
            return Long.toString(d.longValue());
        }
        if (v instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : list) {
                if (sb.length() > 1) {
                    sb.append(' ');
                }
                sb.append(o == null ? "<nil>" : print(o));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("map[");
            for (Map.Entry<?, ?> e : sorted(map)) {
                if (sb.length() > 4) {
                    sb.append(' ');
                }
                sb.append(e.getKey()).append(':').append(e.getValue() == null ? "<nil>" : print(e.getValue()));
            }
            return sb.append(']').toString();
        }
        return v.toString();
    }

    static List<Map.Entry<?, ?>> sorted(Map<?, ?> map) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        entries.sort(Comparator.comparing(e -> String.valueOf(e.getKey())));
        return entries;
    }

    static boolean equal(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return a == null ? b == null : a.equals(b);
    }

    static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        throw new TemplateException("incompatible types for comparison: " + kind(a) + " and " + kind(b));
    }

    static String kind(Object v) {
        if (v == null) {
            return "nil";
        }
        if (v instanceof Map) {
            return "map";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Number) {
            return "number";
        }
        return v instanceof String ? "string" : v.getClass().getSimpleName();
    }
}
