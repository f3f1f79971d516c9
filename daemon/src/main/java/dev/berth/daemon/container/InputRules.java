package dev.berth.daemon.container;

import dev.berth.cgroups.Resources;
import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.SpecBuilder;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a container request from a client (REST or CRI) may hold, checked before anything is made: the one
 * place both edges share, so a bad value is an INVALID_ARGUMENT naming its field, not a runc or kernel
 * failure halfway through a create.
 */
public final class InputRules {
    /** The largest limit the kernel's page counter holds (LONG_MAX in 4 KiB pages); above it the kernel cuts. */
    static final long MAX_MEMORY = Long.MAX_VALUE / 4096 * 4096;
    static final int MIN_OOM_SCORE_ADJ = -1000;
    static final int MAX_OOM_SCORE_ADJ = 1000;
    /** Kubernetes' own limit for a pod's annotations (TotalAnnotationSizeLimitB); labels get the same. */
    public static final int MAX_MAP_BYTES = 256 * 1024;
    private static final int SHOWN_CHARS = 64;
    /** gRPC clients refuse a status over 8 KiB of headers, and a message that long is no use to a person. */
    private static final int MAX_MESSAGE_CHARS = 1024;
    private static final Pattern ID_PREFIX = Pattern.compile("[0-9a-f]{1,64}");

    private InputRules() {
    }

    public static void checkCreate(ContainerCreate r) {
        if (r.image() == null || r.image().isBlank()) {
            throw BerthException.invalid("create container: image is required");
        }
        noNul("image", r.image());
        checkResources(r.memory(), r.cpus(), r.pidsLimit(), r.blkioWeight());
        noNul("entrypoint", r.entrypoint());
        noNul("cmd", r.cmd());
        noNul("env", r.env());
        noNul("workingDir", r.workingDir());
        noNul("user", r.user());
        noNul("logPath", r.logPath());
        checkMap("labels", r.labels());
        checkMap("annotations", r.annotations());
        ContainerCreate.LinuxOptions l = r.linux();
        if (l != null) {
            checkCgroupResources(l.cpuShares(), l.cpuQuota(), l.cpuPeriod(), l.cpusetCpus(), l.cpusetMems());
            if (l.oomScoreAdj() != null
                    && (l.oomScoreAdj() < MIN_OOM_SCORE_ADJ || l.oomScoreAdj() > MAX_OOM_SCORE_ADJ)) {
                throw BerthException.invalid("create container: oomScoreAdj must be in " + MIN_OOM_SCORE_ADJ + ".."
                        + MAX_OOM_SCORE_ADJ + ", not " + l.oomScoreAdj());
            }
            for (ContainerCreate.Mount m : l.mounts() == null ? List.<ContainerCreate.Mount>of() : l.mounts()) {
                noNul("mounts.hostPath", m.hostPath());
                noNul("mounts.containerPath", m.containerPath());
            }
        }
    }

    public static void checkUpdate(ContainerUpdate u) {
        checkResources(u.memory(), u.cpus(), u.pidsLimit(), u.blkioWeight());
        checkCgroupResources(u.cpuShares(), u.cpuQuota(), u.cpuPeriod(), u.cpusetCpus(), u.cpusetMems());
    }

    private static void checkResources(Long memory, Double cpus, Long pidsLimit, Long blkioWeight) {
        if (memory != null && (memory < SpecBuilder.MIN_MEMORY || memory > MAX_MEMORY)) {
            throw BerthException.invalid("memory limit " + memory + " is outside " + SpecBuilder.MIN_MEMORY + ".."
                    + MAX_MEMORY + " bytes (6 MiB up to the kernel's largest)");
        }
        if (cpus != null && (cpus <= 0 || cpus > Runtime.getRuntime().availableProcessors() * 1024.0
                || cpus.isNaN())) {
            throw BerthException.invalid("cpus must be a positive number, not " + cpus);
        }
        if (pidsLimit != null && pidsLimit <= 0 && pidsLimit != -1) {
            throw BerthException.invalid("pids limit must be positive (or -1 for unlimited), not " + pidsLimit);
        }
        if (blkioWeight != null
                && (blkioWeight < Resources.MIN_BLKIO_WEIGHT || blkioWeight > Resources.MAX_BLKIO_WEIGHT)) {
            throw BerthException.invalid("blkioWeight must be in " + Resources.MIN_BLKIO_WEIGHT + ".."
                    + Resources.MAX_BLKIO_WEIGHT + ", not " + blkioWeight);
        }
    }

    /** The cgroup's own rules ({@link Resources}), so the values a create writes are those an update takes. */
    private static void checkCgroupResources(Long shares, Long quota, Long period, String cpus, String mems) {
        new Resources(null, null, shares, quota, period, cpus, mems, null);
    }

    /** Labels and annotations: no NUL byte and at most {@link #MAX_MAP_BYTES} of keys and values in all. */
    public static void checkMap(String field, Map<String, String> map) {
        if (map == null) {
            return;
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw BerthException.invalid(field + ": a key is empty");
            }
            noNul(field, e.getKey());
            noNul(field + " " + shown(e.getKey()), e.getValue());
            bytes += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
        }
        if (bytes > MAX_MAP_BYTES) {
            throw BerthException.invalid(field + ": " + map.size() + " entries of " + bytes
                    + " characters in all, more than the " + MAX_MAP_BYTES + " allowed");
        }
    }

    /** A CRI id or id prefix: lower-case hex, as berthd makes them; anything else cannot name a container. */
    public static void checkIdPrefix(String what, String ref) {
        if (ref == null || ref.isEmpty()) {
            throw BerthException.invalid("a " + what + " id is required");
        }
        if (!ID_PREFIX.matcher(ref).matches()) {
            throw BerthException.invalid(what + " id " + shown(ref) + " is not an id: up to 64 hex digits");
        }
    }

    /**
     * A client's string as an error message shows it: quoted, control characters escaped, cut after 64
     * characters, so a hostile value cannot flood the message or the log.
     */
    public static String shown(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("'");
        value.codePoints().limit(SHOWN_CHARS).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format("\\x%02x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        out.append('\'');
        int length = value.codePointCount(0, value.length());
        if (length > SHOWN_CHARS) {
            out.append("... (").append(length).append(" characters)");
        }
        return out.toString();
    }

    /**
     * An error message as the API edges send it: cut after 1,024 characters, since messages quote what the
     * client sent and a hostile value would otherwise come back whole (and break a gRPC client's header limit).
     */
    public static String clientMessage(String message) {
        if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        return message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " characters)";
    }

    private static void noNul(String field, List<String> values) {
        if (values != null) {
            for (String v : values) {
                if (v == null) {
                    throw BerthException.invalid(field + ": an element is null");
                }
                noNul(field, v);
            }
        }
    }

    /** The kernel and runc take these as C strings: a NUL would cut them short or fail deep in runc. */
    private static void noNul(String field, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw BerthException.invalid(field + " " + shown(value) + " contains a NUL character");
        }
    }
}
