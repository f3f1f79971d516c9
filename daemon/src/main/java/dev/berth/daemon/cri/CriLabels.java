package dev.berth.daemon.cri;

import java.util.Map;

/** The CRI's label selectors: every selector key present with the same value. */
final class CriLabels {
    private CriLabels() {
    }

    static boolean match(Map<String, String> labels, Map<String, String> selector) {
        if (selector.isEmpty()) {
            return true;
        }
        Map<String, String> have = labels == null ? Map.of() : labels;
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())));
    }
}
