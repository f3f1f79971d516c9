package dev.berth.cli.template;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code [$a[, $b] := | $a =] cmd | cmd ...}: each command's value is the last argument of the next. A
 * command is a function and its arguments, or one operand.
 */
record Pipeline(List<String> declares, boolean assigns, List<List<Operand>> commands) {
    Object evaluate(Scope scope, Object dot) {
        Object v = value(scope, dot);
        if (!declares.isEmpty()) {
            if (assigns) {
                scope.assign(declares.get(0), v);
            } else {
                scope.declare(declares.get(0), v);
            }
        }
        return v;
    }

    /** range's operand, its variables bound per element instead. */
    Object rangeValue(Scope scope, Object dot) {
        return value(scope, dot);
    }

    /** A scope for one element: {@code $v := } binds the element, {@code $i, $v := } the index (or key) too. */
    Scope bindRange(Scope outer, Object key, Object element) {
        Scope s = outer.child();
        if (declares.size() == 1) {
            s.declare(declares.get(0), element);
        } else if (declares.size() == 2) {
            s.declare(declares.get(0), key);
            s.declare(declares.get(1), element);
        }
        return s;
    }

    private Object value(Scope scope, Object dot) {
        Object piped = null;
        boolean hasPiped = false;
        for (List<Operand> cmd : commands) {
            Operand head = cmd.get(0);
            if (head instanceof Operand.Function f) {
                List<Object> args = new ArrayList<>();
                for (int i = 1; i < cmd.size(); i++) {
                    args.add(cmd.get(i).value(scope, dot));
                }
                if (hasPiped) {
                    args.add(piped);
                }
                piped = Functions.call(f.name(), args);
            } else {
                if (cmd.size() > 1 || hasPiped) {
                    throw new TemplateException("can't give an argument to a non-function " + head);
                }
                piped = head.value(scope, dot);
            }
            hasPiped = true;
        }
        return piped;
    }

    void fields(List<String> names) {
        for (List<Operand> cmd : commands) {
            for (Operand o : cmd) {
                o.fields(names);
            }
        }
    }
}
