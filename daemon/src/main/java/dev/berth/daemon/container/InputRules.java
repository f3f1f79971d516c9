package dev.berth.daemon.container;

import dev.berth.cgroups.Resources;
import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.daemon.container.RequestFields.Field;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.SecurityOptions;
import dev.berth.oci.bundle.SpecBuilder;
import java.nio.charset.StandardCharsets;
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
    /**
     * Labels and annotations, each map's keys and values together. Kubernetes caps a pod's annotations at 256 KiB
     * (TotalAnnotationSizeLimitB) but its labels only one by one (key: a 253-character DNS prefix, '/' and a
     * 63-character name; value: 63 characters), and kubelet adds entries of its own to both (io.kubernetes.*, a
     * container's ports and preStop handler as JSON). What bounds them all is the pod object itself, which the
     * API server keeps in etcd under its default request limit of 1.5 MiB (--max-request-bytes): rounded up,
     * 2 MiB. No cap per entry: the total bounds each one, and crictl's hand-written maps keep Kubernetes' room.
     */
    public static final int MAX_MAP_BYTES = 2 * 1024 * 1024;
    /**
     * Each string of a CRI metadata (name, namespace, uid of a sandbox; name of a container): the longest
     * Kubernetes name, a DNS subdomain (RFC 1123) of 253 characters, as a pod's name may be. Namespaces and
     * container names are DNS labels (63) and uids UUIDs (36), so kubelet has room to spare and crictl room too.
     */
    public static final int MAX_METADATA_CHARS = 253;
    /** A CRI attempt is a uint32: at most 10 decimal digits (4294967295). */
    private static final int MAX_ATTEMPT_DIGITS = 10;
    /**
     * Container names, REST and CRI alike. The longest CRI name is a container's,
     * {@code k8s_<container>_<pod>_<namespace>_<uid>_<attempt>}, with every metadata string at
     * {@link #MAX_METADATA_CHARS}: 4 + 4 x (253 + 1) + 10 = 1030. (kubelet's own longest is
     * 4 + 63 + 1 + 253 + 1 + 63 + 1 + 36 + 1 + 10 = 433; a sandbox's infra container,
     * {@code k8s_POD_<pod>_<namespace>_<uid>_<attempt>}, is at most 8 + 3 x 254 + 10 = 780.)
     */
    public static final int MAX_NAME_CHARS = "k8s_".length() + 4 * (MAX_METADATA_CHARS + 1) + MAX_ATTEMPT_DIGITS;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0," + (MAX_NAME_CHARS - 1) + "}");
    /**
     * A hostname: the kernel's UTS name holds 64 bytes (__NEW_UTS_LEN), so sethostname refuses more, deep in
     * runc. kubelet sends a DNS label (63) or, with setHostnameAsFQDN, an FQDN Kubernetes caps at 64.
     */
    public static final int MAX_HOSTNAME_BYTES = 64;
    /** A path: Linux's PATH_MAX (4096 with the NUL) in all and NAME_MAX (255) a component; open() refuses more. */
    private static final int MAX_PATH_BYTES = 4095;
    private static final int MAX_PATH_COMPONENT_BYTES = 255;
    private static final int SHOWN_CHARS = 64;
    /** gRPC clients refuse a status over 8 KiB of headers, and a message that long is no use to a person. */
    private static final int MAX_MESSAGE_CHARS = 1024;
    /** The rows and columns a pty takes (struct winsize's unsigned shorts). */
    static final int MAX_CONSOLE_SIDE = 65535;
    private static final Pattern ID_PREFIX = Pattern.compile("[0-9a-f]{1,64}");

    private InputRules() {
    }

    /** Checks a create request; a refusal names the field as {@code fields} calls it. */
    public static void checkCreate(ContainerCreate r, RequestFields fields) {
        if (r.image() == null || r.image().isBlank()) {
            throw fields.invalid(Field.IMAGE, "is required");
        }
        noNul(fields, Field.IMAGE, r.image());
        checkResources(fields, r.memory(), r.cpus(), r.pidsLimit(), r.blkioWeight());
        noNul(fields, Field.ENTRYPOINT, r.entrypoint());
        noNul(fields, Field.CMD, r.cmd());
        noNul(fields, Field.ENV, r.env());
        checkEnv(fields, r.env());
        noNul(fields, Field.WORKING_DIR, r.workingDir());
        noNul(fields, Field.USER, r.user());
        noNul(fields, Field.LOG_PATH, r.logPath());
        checkPathLength(fields, Field.LOG_PATH, r.logPath());
        checkMap(fields, Field.LABELS, r.labels());
        checkMap(fields, Field.ANNOTATIONS, r.annotations());
        ContainerCreate.LinuxOptions l = r.linux();
        if (l != null) {
            checkCgroupResources(fields, l.cpuShares(), l.cpuQuota(), l.cpuPeriod(), l.cpusetCpus(), l.cpusetMems());
            if (l.oomScoreAdj() != null
                    && (l.oomScoreAdj() < MIN_OOM_SCORE_ADJ || l.oomScoreAdj() > MAX_OOM_SCORE_ADJ)) {
                throw fields.invalid(Field.OOM_SCORE_ADJ, "must be in " + MIN_OOM_SCORE_ADJ + ".."
                        + MAX_OOM_SCORE_ADJ + ", not " + l.oomScoreAdj());
            }
            for (ContainerCreate.Mount m : l.mounts() == null ? List.<ContainerCreate.Mount>of() : l.mounts()) {
                noNul(fields, Field.MOUNT_HOST_PATH, m.hostPath());
                noNul(fields, Field.MOUNT_CONTAINER_PATH, m.containerPath());
                if (m.recursiveReadOnly() && (!m.readOnly()
                        || m.propagation() != null && m.propagation() != SpecBuilder.Propagation.PRIVATE)) {
                    throw fields.invalid(Field.MOUNT_RECURSIVE_READ_ONLY, "of " + m.containerPath()
                            + " needs a read-only mount with private propagation");
                }
            }
            checkHostname(fields.name(Field.HOSTNAME), l.hostname(), fields);
            if (groupWithoutUser(l.security(), r.user())) {
                throw fields.invalid(Field.RUN_AS_GROUP, "needs " + fields.name(Field.RUN_AS_USER) + " or "
                        + fields.name(Field.USER) + ": a group alone leaves the user to the image");
            }
            checkSeccompProfile(fields, l.security());
        }
    }

    /**
     * Checks an exec request into container {@code id}, before its process.json is written: what runc would
     * otherwise refuse halfway (an env entry without '=', a negative console size) or take wrongly.
     */
    public static void checkExec(String id, ExecCreate e, RequestFields fields) {
        RequestFields about = fields.about(id);
        if (e.cmd() == null || e.cmd().isEmpty()) {
            throw about.invalid(Field.CMD, "is required: a command to run");
        }
        noNul(about, Field.CMD, e.cmd());
        noNul(about, Field.ENV, e.env());
        checkEnv(about, e.env());
        noNul(about, Field.WORKING_DIR, e.workingDir());
        if (e.workingDir() != null && !e.workingDir().isEmpty() && !e.workingDir().startsWith("/")) {
            throw about.invalid(Field.WORKING_DIR, shown(e.workingDir()) + " is not an absolute path");
        }
        noNul(about, Field.USER, e.user());
        ExecCreate.ConsoleSize size = e.consoleSize();
        // A pty's size is two unsigned shorts (struct winsize).
        if (size != null && (size.height() < 0 || size.width() < 0 || size.height() > MAX_CONSOLE_SIDE
                || size.width() > MAX_CONSOLE_SIDE)) {
            throw about.invalid(Field.CONSOLE_SIZE, "must be 0.." + MAX_CONSOLE_SIDE + " rows and columns, not "
                    + size.height() + "x" + size.width());
        }
    }

    /**
     * The {@code tail} of a logs request for container {@code id}: null (every line) when absent or "all", as
     * Docker takes it, else a count of 0 or more.
     */
    public static Integer logsTail(String id, String tail, RequestFields fields) {
        if (tail == null || tail.equals("all")) {
            return null;
        }
        try {
            int lines = Integer.parseInt(tail);
            if (lines >= 0) {
                return lines;
            }
        } catch (NumberFormatException e) {
            // refused below, like a negative count
        }
        throw fields.about(id).invalid(Field.LOGS_TAIL, "must be a count of lines (0 or more) or 'all', not "
                + shown(tail));
    }

    /**
     * Environment entries are NAME=VALUE with a non-empty NAME free of blanks, as Podman's API takes them
     * (pkg/env parseEnv: "=A" and names with white space are refused). A bare NAME is the CLI's way to pass
     * its own variable on (`berth run -e NAME`, as `docker run -e NAME`): the CLI expands it, and Podman
     * takes a bare NAME from the environment of the process that parses it, which for an API server is the
     * server's, never the client's. So the API refuses it instead of guessing, and runc never sees it (it
     * fails the container's start with "invalid environment variable").
     */
    private static void checkEnv(RequestFields fields, List<String> env) {
        for (String entry : env == null ? List.<String>of() : env) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw fields.invalid(Field.ENV, "entry " + shown(entry) + " has no '=': entries are NAME=VALUE");
            }
            String name = entry.substring(0, eq);
            if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
                throw fields.invalid(Field.ENV, "entry " + shown(entry)
                        + " needs a NAME before its '=' without white space");
            }
        }
    }

    /** A Localhost seccomp profile is read now, so a bad one is refused before anything is made. */
    private static void checkSeccompProfile(RequestFields fields, SecurityOptions security) {
        if (security == null || security.privileged() || security.seccomp() != SecurityOptions.Seccomp.LOCALHOST) {
            return;
        }
        noNul(fields, Field.SECCOMP_LOCALHOST, security.seccompLocalhost());
        try {
            SecurityOptions.localhostProfile(security.seccompLocalhost());
        } catch (BerthException e) {
            throw fields.invalid(Field.SECCOMP_LOCALHOST, e.getMessage());
        }
    }

    /**
     * A run-as group without a run-as user (numeric or by name): refused, as containerd and CRI-O refuse it,
     * since the process would run as the image's user with a group that user was not given.
     */
    public static boolean groupWithoutUser(SecurityOptions security, String user) {
        return security != null && security.runAsGroup() != null && security.runAsUser() == null
                && (user == null || user.isEmpty());
    }

    /** A CRI metadata string: required, at most {@link #MAX_METADATA_CHARS} characters. */
    public static void checkMetadata(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw BerthException.invalid(field + " is required");
        }
        if (value.length() > MAX_METADATA_CHARS) {
            throw BerthException.invalid(field + " " + shown(value) + " is longer than the " + MAX_METADATA_CHARS
                    + " characters of a Kubernetes name");
        }
    }

    /** A container name: letters, digits, '_', '.', '-', a letter or digit first; {@link #MAX_NAME_CHARS} at most. */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** A hostname ({@code field} names it in the refusal): no NUL, at most {@link #MAX_HOSTNAME_BYTES} bytes. */
    public static void checkHostname(String field, String hostname) {
        if (hostname == null) {
            return;
        }
        noNul(field, hostname);
        if (utf8Length(hostname) > MAX_HOSTNAME_BYTES) {
            throw BerthException.invalid(field + " " + shown(hostname) + " is longer than the kernel's "
                    + MAX_HOSTNAME_BYTES + " bytes");
        }
    }

    private static void checkHostname(String field, String hostname, RequestFields fields) {
        try {
            checkHostname(field, hostname);
        } catch (BerthException e) {
            throw fields.invalid(e.getMessage());
        }
    }

    /** A path the kernel opens ({@code field} names it): no NUL, within PATH_MAX and NAME_MAX. */
    public static void checkPath(String field, String path) {
        if (path == null) {
            return;
        }
        noNul(field, path);
        if (utf8Length(path) > MAX_PATH_BYTES) {
            throw BerthException.invalid(field + " " + shown(path) + " is longer than the kernel's "
                    + MAX_PATH_BYTES + " bytes (PATH_MAX)");
        }
        for (String component : path.split("/")) {
            if (utf8Length(component) > MAX_PATH_COMPONENT_BYTES) {
                throw BerthException.invalid(field + ": the path component " + shown(component)
                        + " is longer than the kernel's " + MAX_PATH_COMPONENT_BYTES + " bytes (NAME_MAX)");
            }
        }
    }

    private static void checkPathLength(RequestFields fields, Field field, String path) {
        try {
            checkPath(fields.name(field), path);
        } catch (BerthException e) {
            throw fields.invalid(e.getMessage());
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Checks an update of container {@code id}; a refusal names the id and the field as {@code fields} calls it. */
    public static void checkUpdate(String id, ContainerUpdate u, RequestFields fields) {
        RequestFields about = fields.about(id);
        checkResources(about, u.memory(), u.cpus(), u.pidsLimit(), u.blkioWeight());
        checkCgroupResources(about, u.cpuShares(), u.cpuQuota(), u.cpuPeriod(), u.cpusetCpus(), u.cpusetMems());
    }

    private static void checkResources(RequestFields fields, Long memory, Double cpus, Long pidsLimit,
            Long blkioWeight) {
        if (memory != null && (memory < SpecBuilder.MIN_MEMORY || memory > MAX_MEMORY)) {
            throw fields.invalid(Field.MEMORY, memory + " is outside " + SpecBuilder.MIN_MEMORY + ".." + MAX_MEMORY
                    + " bytes, the memory limits from 6 MiB up to the kernel's largest");
        }
        if (cpus != null && (cpus <= 0 || cpus > Runtime.getRuntime().availableProcessors() * 1024.0
                || cpus.isNaN())) {
            throw fields.invalid(Field.CPUS, "must be a positive number, not " + cpus);
        }
        if (pidsLimit != null && pidsLimit <= 0 && pidsLimit != -1) {
            throw fields.invalid(Field.PIDS_LIMIT, "must be positive (or -1 for no pids limit), not " + pidsLimit);
        }
        if (blkioWeight != null
                && (blkioWeight < Resources.MIN_BLKIO_WEIGHT || blkioWeight > Resources.MAX_BLKIO_WEIGHT)) {
            throw fields.invalid(Field.BLKIO_WEIGHT, "must be in " + Resources.MIN_BLKIO_WEIGHT + ".."
                    + Resources.MAX_BLKIO_WEIGHT + ", not " + blkioWeight);
        }
    }

    /**
     * The cgroup's own rules ({@link Resources}), so the values a create writes are those an update takes;
     * one value at a time (these rules are independent), so the refusal can name its field.
     */
    private static void checkCgroupResources(RequestFields fields, Long shares, Long quota, Long period,
            String cpus, String mems) {
        cgroupValue(fields, Field.CPU_SHARES, () -> new Resources(null, null, shares, null, null, null, null, null));
        cgroupValue(fields, Field.CPU_QUOTA, () -> new Resources(null, null, null, quota, null, null, null, null));
        cgroupValue(fields, Field.CPU_PERIOD, () -> new Resources(null, null, null, null, period, null, null, null));
        cgroupValue(fields, Field.CPUSET_CPUS, () -> new Resources(null, null, null, null, null, cpus, null, null));
        cgroupValue(fields, Field.CPUSET_MEMS, () -> new Resources(null, null, null, null, null, null, mems, null));
    }

    private static void cgroupValue(RequestFields fields, Field field, Runnable check) {
        try {
            check.run();
        } catch (BerthException e) {
            throw fields.invalid(fields.name(field) + ": " + e.getMessage());
        }
    }

    private static void checkMap(RequestFields fields, Field field, Map<String, String> map) {
        try {
            checkMap(fields.name(field), map);
        } catch (BerthException e) {
            throw fields.invalid(e.getMessage());
        }
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

    /**
     * Whether a CRI id or id prefix can name anything: lower-case hex, as berthd makes them. Anything else
     * names nothing (so Stop and Remove of it succeed and the other RPCs answer NOT_FOUND, as the CRI asks),
     * and is never looked up, let alone made into a path.
     */
    public static boolean isIdPrefix(String ref) {
        return ref != null && ID_PREFIX.matcher(ref).matches();
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

    private static void noNul(RequestFields fields, Field field, List<String> values) {
        if (values != null) {
            for (String v : values) {
                if (v == null) {
                    throw fields.invalid(field, "has a null element");
                }
                noNul(fields, field, v);
            }
        }
    }

    /** The kernel and runc take these as C strings: a NUL would cut them short or fail deep in runc. */
    private static void noNul(RequestFields fields, Field field, String value) {
        if (hasNul(value)) {
            throw fields.invalid(field, shown(value) + " contains a NUL character");
        }
    }

    private static void noNul(String field, String value) {
        if (hasNul(value)) {
            throw BerthException.invalid(field + " " + shown(value) + " contains a NUL character");
        }
    }

    private static boolean hasNul(String value) {
        return value != null && value.indexOf('\0') >= 0;
    }
}
