package dev.berth.viewfs.caller;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What counts as a container: a cgroup directly below one of the configured parents (Berth's default
 * "/berth"), with everything nested under it belonging to it. Anything else, the root cgroup,
 * system services, the user's session, is the host.
 * <p>
 * With berthd's systemd cgroup driver a container is instead the scope {@code <prefix>-<id>.scope} in a
 * slice (runc's {@code system.slice:berth:<id>}, a pod's slice for the CRI), at whatever slice depth: a
 * parent that is a single name ("/berth") is also that scope prefix. Only a 64-hex container id makes
 * such a scope a container, not the shims' {@code berth-shim-<id12>.scope}.
 */
public final class CgroupParents {
    public static final String DEFAULT = "/berth";
    private final List<String> parents;
    private final List<Pattern> containerScopes;

    /** @param parents cgroup paths, with or without leading/trailing slashes ("berth", "/kubepods/") */
    public CgroupParents(List<String> parents) {
        List<String> p = new ArrayList<>();
        for (String s : parents) {
            String t = s.strip().replaceAll("^/+", "").replaceAll("/+$", "");
            if (t.isEmpty() || t.contains("//") || List.of(t.split("/")).contains("..")) {
                throw new IllegalArgumentException("cgroup parent '" + s + "': must name a cgroup below the root");
            }
            p.add("/" + t);
        }
        if (p.isEmpty()) {
            throw new IllegalArgumentException("cgroup parents: at least one is needed");
        }
        this.parents = List.copyOf(p);
        this.containerScopes = p.stream().filter(parent -> parent.indexOf('/', 1) < 0)
                .map(parent -> Pattern.compile("/" + Pattern.quote(parent.substring(1)) + "-[0-9a-f]{64}\\.scope(?=/|$)"))
                .toList();
    }

    public List<String> parents() {
        return parents;
    }

    /** The container's cgroup path (parent plus one level) that {@code cgroupPath} lies in, or null. */
    public String containerOf(String cgroupPath) {
        for (String p : parents) {
            if (cgroupPath.length() > p.length() + 1 && cgroupPath.startsWith(p) && cgroupPath.charAt(p.length()) == '/') {
                int end = cgroupPath.indexOf('/', p.length() + 1);
                return end < 0 ? cgroupPath : cgroupPath.substring(0, end);
            }
        }
        for (Pattern scope : containerScopes) {
            Matcher m = scope.matcher(cgroupPath);
            if (m.find()) {
                return cgroupPath.substring(0, m.end());
            }
        }
        return null;
    }
}
