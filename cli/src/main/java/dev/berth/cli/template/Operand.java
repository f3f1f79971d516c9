package dev.berth.cli.template;

import java.math.BigDecimal;
import java.util.List;

/** What a command is made of. */
interface Operand {
    Object value(Scope scope, Object dot);

    default void fields(List<String> names) {
    }

    record Field(List<String> path) implements Operand {
        @Override
        public Object value(Scope scope, Object dot) {
            return Values.walk(dot, path);
        }

        @Override
        public void fields(List<String> names) {
            if (!path.isEmpty()) {
                names.add(path.get(0));
            }
        }

        @Override
        public String toString() {
            return path.isEmpty() ? "." : "." + String.join(".", path);
        }
    }

    record Variable(String name, List<String> path) implements Operand {
        @Override
        public Object value(Scope scope, Object dot) {
            return Values.walk(scope.get(name), path);
        }

        @Override
        public String toString() {
            return "$" + name;
        }
    }

    record Literal(Object constant) implements Operand {
        static Literal number(String text) {
            BigDecimal d = new BigDecimal(text);
            return new Literal(d.scale() <= 0 ? (Object) d.longValueExact() : d.doubleValue());
        }

        @Override
        public Object value(Scope scope, Object dot) {
            return constant;
        }

        @Override
        public String toString() {
            return String.valueOf(constant);
        }
    }

    record Function(String name) implements Operand {
        @Override
        public Object value(Scope scope, Object dot) {
            return Functions.call(name, List.of());
        }
    }

    record Nested(Pipeline pipeline) implements Operand {
        @Override
        public Object value(Scope scope, Object dot) {
            return pipeline.evaluate(scope, dot);
        }

        @Override
        public void fields(List<String> names) {
            pipeline.fields(names);
        }
    }
}
