package dev.berth.cli.template;

import java.util.List;
import java.util.Map;

/** A parsed piece of a template. */
interface Node {
    void render(Scope scope, Object dot, StringBuilder out);

    /** Adds the top-level fields this node reads (for a table's header). */
    default void fields(List<String> names) {
    }

    record Text(String text) implements Node {
        @Override
        public void render(Scope scope, Object dot, StringBuilder out) {
            out.append(text);
        }
    }

    /** {{pipeline}}: prints its value unless it declares variables. */
    record Action(Pipeline pipeline) implements Node {
        @Override
        public void render(Scope scope, Object dot, StringBuilder out) {
            Object v = pipeline.evaluate(scope, dot);
            if (pipeline.declares().isEmpty()) {
                out.append(Values.print(v));
            }
        }

        @Override
        public void fields(List<String> names) {
            pipeline.fields(names);
        }
    }

    /** if/with: {@code with} also moves dot to the value. */
    record Branch(Pipeline condition, List<Node> then, List<Node> otherwise, boolean with) implements Node {
        @Override
        public void render(Scope scope, Object dot, StringBuilder out) {
            Scope inner = scope.child();
            Object v = condition.evaluate(inner, dot);
            if (Values.truth(v)) {
                renderAll(then, inner, with ? v : dot, out);
            } else {
                renderAll(otherwise, inner, dot, out);
            }
        }

        @Override
        public void fields(List<String> names) {
            condition.fields(names);
        }
    }

    /** range over a list (elements) or a map (values, keys in order); else when it is empty. */
    record Range(Pipeline over, List<Node> body, List<Node> otherwise) implements Node {
        @Override
        public void render(Scope scope, Object dot, StringBuilder out) {
            Scope outer = scope.child();
            Object v = over.rangeValue(outer, dot);
            boolean any = false;
            if (v instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    any = true;
                    renderAll(body, over.bindRange(outer, i, list.get(i)), list.get(i), out);
                }
            } else if (v instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : Values.sorted(map)) {
                    any = true;
                    renderAll(body, over.bindRange(outer, e.getKey(), e.getValue()), e.getValue(), out);
                }
            } else if (v != null) {
                throw new TemplateException("range can't iterate over " + Values.print(v));
            }
            if (!any) {
                renderAll(otherwise, outer, dot, out);
            }
        }
    }

    static void renderAll(List<Node> nodes, Scope scope, Object dot, StringBuilder out) {
        for (Node n : nodes) {
            n.render(scope, dot, out);
        }
    }
}
