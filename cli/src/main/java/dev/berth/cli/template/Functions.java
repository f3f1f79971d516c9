package dev.berth.cli.template;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Go's built-in template functions and the ones Podman and Docker add (json, join, lower, upper, ...). */
final class Functions {
    private static final List<String> NAMES = List.of("and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len",
            "index", "print", "println", "printf", "json", "join", "lower", "upper", "title", "split", "truncate");

    private Functions() {
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object call(String name, List<Object> a) {
        switch (name) {
            case "and": {
                need(name, a, 1);
                for (Object o : a) {
                    if (!Values.truth(o)) {
                        return o;
                    }
                }
                return a.get(a.size() - 1);
            }
            case "or": {
                need(name, a, 1);
                for (Object o : a) {
                    if (Values.truth(o)) {
                        return o;
                    }
                }
                return a.get(a.size() - 1);
            }
            case "not":
                exactly(name, a, 1);
                return !Values.truth(a.get(0));
            case "eq": {
                need(name, a, 2);
                for (int i = 1; i < a.size(); i++) {
                    if (Values.equal(a.get(0), a.get(i))) {
                        return true;
                    }
                }
                return false;
            }
            case "ne":
                exactly(name, a, 2);
                return !Values.equal(a.get(0), a.get(1));
            case "lt":
                exactly(name, a, 2);
                return Values.compare(a.get(0), a.get(1)) < 0;
            case "le":
                exactly(name, a, 2);
                return Values.compare(a.get(0), a.get(1)) <= 0;
            case "gt":
                exactly(name, a, 2);
                return Values.compare(a.get(0), a.get(1)) > 0;
            case "ge":
                exactly(name, a, 2);
                return Values.compare(a.get(0), a.get(1)) >= 0;
            case "len":
                exactly(name, a, 1);
                return length(a.get(0));
            case "index":
                need(name, a, 1);
                return index(a);
            case "print": {
                StringBuilder sb = new StringBuilder();
                for (Object o : a) {
                    sb.append(Values.print(o));
                }
                return sb.toString();
            }
            case "println": {
                List<String> parts = new ArrayList<>();
                for (Object o : a) {
                    parts.add(Values.print(o));
                }
                return String.join(" ", parts) + "\n";
            }
            case "printf":
                need(name, a, 1);
                return Printf.format(string(name, a.get(0)), a.subList(1, a.size()));
            case "json":
                exactly(name, a, 1);
                return json(a.get(0));
            case "join": {
                exactly(name, a, 2);
                List<String> parts = new ArrayList<>();
                if (!(a.get(0) instanceof List<?> list)) {
                    throw new TemplateException("join: want a list, got " + Values.kind(a.get(0)));
                }
                for (Object o : list) {
                    parts.add(Values.print(o));
                }
                return String.join(string(name, a.get(1)), parts);
            }
            case "lower":
                exactly(name, a, 1);
                return Values.print(a.get(0)).toLowerCase(Locale.ROOT);
            case "upper":
                exactly(name, a, 1);
                return Values.print(a.get(0)).toUpperCase(Locale.ROOT);
            case "title": {
                exactly(name, a, 1);
                String s = Values.print(a.get(0));
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
            }
            case "split":
                exactly(name, a, 2);
                return List.of((Object[]) Values.print(a.get(0)).split(java.util.regex.Pattern.quote(string(name, a.get(1))), -1));
            case "truncate": {
                exactly(name, a, 2);
                String s = Values.print(a.get(0));
                int n = (int) number(name, a.get(1));
                return s.codePointCount(0, s.length()) <= n ? s : s.substring(0, s.offsetByCodePoints(0, n));
            }
            default:
                throw new TemplateException("function \"" + name + "\" not defined");
        }
    }

    private static Object index(List<Object> a) {
        Object v = a.get(0);
        for (int i = 1; i < a.size(); i++) {
            Object key = a.get(i);
            if (v instanceof Map<?, ?> m) {
                v = m.get(String.valueOf(key));
            } else if (v instanceof List<?> l) {
                int at = (int) number("index", key);
                if (at < 0 || at >= l.size()) {
                    throw new TemplateException("index out of range: " + at);
                }
                v = l.get(at);
            } else {
                throw new TemplateException("can't index item of type " + Values.kind(v));
            }
        }
        return v;
    }

    private static int length(Object v) {
        if (v instanceof String s) {
            return s.length();
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        throw new TemplateException("len of " + Values.kind(v));
    }

    static String json(Object v) {
        try {
            return JSON.std.asString(v);
        } catch (IOException e) {
            throw new TemplateException("json: " + e.getMessage());
        }
    }

    private static String string(String fn, Object v) {
        if (v instanceof String s) {
            return s;
        }
        throw new TemplateException(fn + ": want a string, got " + Values.kind(v));
    }

    static double number(String fn, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new TemplateException(fn + ": want a number, got " + Values.kind(v));
    }

    private static void need(String fn, List<Object> a, int min) {
        if (a.size() < min) {
            throw new TemplateException("wrong number of args for " + fn + ": want at least " + min + " got " + a.size());
        }
    }

    private static void exactly(String fn, List<Object> a, int n) {
        if (a.size() != n) {
            throw new TemplateException("wrong number of args for " + fn + ": want " + n + " got " + a.size());
        }
    }
}
