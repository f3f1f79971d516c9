package dev.berth.cli.template;

import java.util.HashMap;
import java.util.Map;

/** Variables: {@code $} is the data the template was executed on; blocks see their parents' variables. */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Object root) {
        this(null);
        vars.put("", root);
    }

    private Scope(Scope parent) {
        this.parent = parent;
    }

    Scope child() {
        return new Scope(this);
    }

    void declare(String name, Object value) {
        vars.put(name, value);
    }

    void assign(String name, Object value) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                s.vars.put(name, value);
                return;
            }
        }
        throw new TemplateException("undefined variable $" + name);
    }

    Object get(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        throw new TemplateException("undefined variable $" + name);
    }
}
