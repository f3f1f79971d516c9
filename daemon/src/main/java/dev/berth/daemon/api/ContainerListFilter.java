package dev.berth.daemon.api;

import dev.berth.daemon.api.model.ContainerSummary;
import dev.berth.oci.BerthException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code filters} of a container list: id is a prefix, name a regular expression searched in the name,
 * label {@code KEY} or {@code KEY=VALUE}, status a state, ancestor an image reference or id prefix.
 */
final class ContainerListFilter {
    private static final Set<String> KEYS = Set.of("id", "name", "label", "status", "ancestor");
    private static final Set<String> STATES = Set.of("created", "running", "exited", "stopped", "broken",
            "paused", "restarting", "removing", "dead");

    private final Filters filters;
    private final List<Pattern> names = new ArrayList<>();

    private ContainerListFilter(Filters filters) {
        this.filters = filters;
        for (String n : filters.values("name")) {
            try {
                names.add(Pattern.compile(n));
            } catch (PatternSyntaxException e) {
                throw BerthException.invalid("list containers: name filter '" + n + "' is not a regular expression: "
                        + e.getDescription());
            }
        }
        for (String s : filters.values("status")) {
            if (!STATES.contains(s)) {
                throw BerthException.invalid("list containers: unknown status '" + s + "' (one of "
                        + String.join(", ", STATES.stream().sorted().toList()) + ")");
            }
        }
    }

    /** The filter of a request's {@code filters} parameter; none when it is absent or empty. */
    static ContainerListFilter parse(String json) {
        return new ContainerListFilter(Filters.parse("list containers", json, KEYS));
    }

    /** A status filter lists stopped containers without {@code all}, as Docker's does. */
    boolean asksForStates() {
        return filters.has("status");
    }

    boolean matches(ContainerSummary c) {
        return filters.any("id", v -> c.id().startsWith(v))
                && (names.isEmpty() || c.name() != null && names.stream().anyMatch(p -> p.matcher(c.name()).find()))
                && filters.any("label", v -> Filters.labelMatches(c.labels(), v))
                && filters.any("status", v -> status(c).equals(v) || v.equals("stopped") && "exited".equals(c.state()))
                && filters.any("ancestor", v -> ancestor(c, v));
    }

    /** Docker's status: a paused container is "paused", not "running". */
    private static String status(ContainerSummary c) {
        return c.paused() ? "paused" : c.state();
    }

    private static boolean ancestor(ContainerSummary c, String want) {
        String image = c.image() == null ? "" : c.image();
        String id = c.imageId() == null ? "" : c.imageId().replaceFirst("^sha256:", "");
        String bare = want.replaceFirst("^sha256:", "");
        return image.equals(want) || image.equals(want + ":latest") || image.endsWith("/" + want)
                || image.endsWith("/" + want + ":latest") || !bare.isEmpty() && id.startsWith(bare);
    }
}
