package dev.berth.architecture;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "Dependencies" table of docs/design.md: one row a unit (a package with its subpackages, below
 * {@code dev.berth}), the units it may use, and the arrows allowed only until a named issue removes them.
 * {@code *} allows every unit.
 */
record DependencyRules(Map<String, Set<String>> allowed) {
    static final String SECTION = "## Dependencies";
    private static final Pattern NAME = Pattern.compile("`([a-z0-9.*]+)`");

    static DependencyRules parse(List<String> design) {
        Map<String, Set<String>> allowed = new LinkedHashMap<>();
        boolean inSection = false;
        for (String line : design) {
            if (line.startsWith("## ")) {
                inSection = line.startsWith(SECTION);
            } else if (inSection && line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                Set<String> targets = new TreeSet<>();
                for (int i = 2; i < cells.length; i++) {
                    targets.addAll(names(cells[i]));
                }
                for (String unit : names(cells[1])) {
                    allowed.put(unit, targets);
                }
            }
        }
        return new DependencyRules(allowed);
    }

    private static Set<String> names(String cell) {
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(cell);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    Set<String> units() {
        return allowed.keySet();
    }

    /** The longest unit that is the package or one of its parents, or null. */
    String unitOf(String pkg) {
        String best = null;
        for (String unit : allowed.keySet()) {
            if ((pkg.equals(unit) || pkg.startsWith(unit + "."))
                    && (best == null || unit.length() > best.length())) {
                best = unit;
            }
        }
        return best;
    }

    boolean allows(String from, String to) {
        Set<String> targets = allowed.get(from);
        return targets.contains("*") || targets.contains(to);
    }
}
