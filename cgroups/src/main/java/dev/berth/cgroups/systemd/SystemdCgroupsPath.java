package dev.berth.cgroups.systemd;

import dev.berth.oci.BerthException;

import java.util.regex.Pattern;

/**
 * A linux.cgroupsPath in runc's systemd form {@code <slice>:<prefix>:<name>}: the container's cgroup
 * is the scope {@code <prefix>-<name>.scope} (or {@code <name>.scope} without a prefix) in the slice,
 * and its directory is the slice's expanded path plus the scope, in every hierarchy. runc with
 * --systemd-cgroup reads the same string, so both sides agree on the unit and the directories.
 */
public record SystemdCgroupsPath(String slice, String prefix, String name) {
    public static final String DEFAULT_SLICE = "system.slice";
    public static final String DEFAULT_PREFIX = "berth";
    static final String SLICE_SUFFIX = ".slice";
    /** Characters systemd accepts in unit names, less ':' (the separator here) and '@' (templates). */
    private static final Pattern UNIT_CHARS = Pattern.compile("[A-Za-z0-9_.\\-]+");

    public SystemdCgroupsPath {
        expandSlice(slice);
        if (!prefix.isEmpty() && !UNIT_CHARS.matcher(prefix).matches()) {
            throw BerthException.invalid("systemd cgroups path: bad scope prefix '" + prefix + "'");
        }
        if (name.isEmpty() || !UNIT_CHARS.matcher(name).matches() || name.endsWith(SLICE_SUFFIX)) {
            throw BerthException.invalid("systemd cgroups path: bad container name '" + name + "'");
        }
        if (scopeName(prefix, name).length() > 255) {
            throw BerthException.invalid("systemd cgroups path: unit name " + scopeName(prefix, name)
                    + " is longer than 255");
        }
    }

    /**
     * The path for a container: a parent ending in ".slice" (kubelet's pod slice) is the slice, any
     * other non-blank parent is the scope prefix in system.slice (so the cgroupfs default parent
     * "berth" gives {@code system.slice:berth:<id>}).
     */
    public static SystemdCgroupsPath forContainer(String parent, String containerId) {
        String p = parent == null ? "" : parent.strip();
        if (p.isEmpty()) {
            return new SystemdCgroupsPath(DEFAULT_SLICE, DEFAULT_PREFIX, containerId);
        }
        if (p.endsWith(SLICE_SUFFIX)) {
            return new SystemdCgroupsPath(p, DEFAULT_PREFIX, containerId);
        }
        return new SystemdCgroupsPath(DEFAULT_SLICE, p, containerId);
    }

    /** Parses {@code slice:prefix:name}; an empty slice means system.slice, as in runc. */
    public static SystemdCgroupsPath parse(String cgroupsPath) {
        String[] parts = cgroupsPath == null ? new String[0] : cgroupsPath.split(":", -1);
        if (parts.length != 3) {
            throw BerthException.invalid("systemd cgroups path '" + cgroupsPath
                    + "': expected slice:prefix:name");
        }
        return new SystemdCgroupsPath(parts[0].isEmpty() ? DEFAULT_SLICE : parts[0], parts[1], parts[2]);
    }

    /** The container's transient unit. */
    public String unitName() {
        return scopeName(prefix, name);
    }

    private static String scopeName(String prefix, String name) {
        return prefix.isEmpty() ? name + ".scope" : prefix + "-" + name + ".scope";
    }

    /** The cgroup directory relative to a hierarchy's root, without a leading slash. */
    public String relativeDir() {
        return relativeSliceDir() + "/" + unitName();
    }

    /** The slice's directory relative to a hierarchy's root, without a leading slash. */
    public String relativeSliceDir() {
        return expandSlice(slice).substring(1);
    }

    /** Refuses a unit name that is not {@code <name><suffix>} with systemd's unit name characters. */
    public static String checkUnitName(String unit, String suffix) {
        if (unit == null || !unit.endsWith(suffix) || unit.length() == suffix.length() || unit.length() > 255
                || !UNIT_CHARS.matcher(unit).matches()) {
            throw BerthException.invalid("systemd unit '" + unit + "': must be a unit name ending in " + suffix);
        }
        return unit;
    }

    /** The slice a slice lives in ("a-b.slice" for "a-b-c.slice"), null for a top-level one. */
    public static String parentSlice(String slice) {
        String dir = expandSlice(slice);
        int cut = dir.lastIndexOf('/');
        return cut == 0 ? null : dir.substring(dir.lastIndexOf('/', cut - 1) + 1, cut);
    }

    @Override
    public String toString() {
        return slice + ":" + prefix + ":" + name;
    }

    /**
     * The cgroup path of a slice unit, as systemd lays slices out (and runc's ExpandSlice):
     * "a-b-c.slice" lives at "/a.slice/a-b.slice/a-b-c.slice". The root slice "-.slice" is
     * refused: containers go in a slice below it.
     */
    public static String expandSlice(String slice) {
        if (slice == null || !slice.endsWith(SLICE_SUFFIX) || slice.length() == SLICE_SUFFIX.length()
                || slice.contains("/")) {
            throw BerthException.invalid("systemd slice '" + slice + "': must be a name ending in .slice");
        }
        String base = slice.substring(0, slice.length() - SLICE_SUFFIX.length());
        if (base.equals("-")) {
            throw BerthException.invalid("systemd slice '" + slice + "': the root slice cannot hold containers");
        }
        if (!UNIT_CHARS.matcher(base).matches()) {
            throw BerthException.invalid("systemd slice '" + slice + "': bad characters");
        }
        StringBuilder path = new StringBuilder();
        StringBuilder prefix = new StringBuilder();
        for (String component : base.split("-", -1)) {
            if (component.isEmpty()) {
                throw BerthException.invalid("systemd slice '" + slice + "': empty component (leading, trailing or double '-')");
            }
            path.append('/').append(prefix).append(component).append(SLICE_SUFFIX);
            prefix.append(component).append('-');
        }
        return path.toString();
    }
}
