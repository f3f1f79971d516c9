package dev.berth.oci.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.runtime.Linux;
import dev.berth.oci.spec.runtime.LinuxResources;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A container's security context (the CRI's LinuxContainerSecurityContext, in runtime terms), applied over
 * the secure defaults. Null fields keep the defaults (a null {@code seccomp} keeps the RuntimeDefault profile
 * of {@link SpecDefaults#secure()}; the CRI, whose unset profile means unconfined, says so explicitly).
 *
 * @param capabilitiesAdd  names with or without CAP_, or ALL
 * @param capabilitiesDrop names with or without CAP_, or ALL (drop ALL then add is the usual hardening)
 * @param seccompLocalhost absolute path of a JSON profile, for {@link Seccomp#LOCALHOST}
 * @param maskedPaths      replaces the default masked paths when not null
 * @param readonlyPaths    replaces the default read-only paths when not null
 * @param supplementalGroupsPolicy whether the groups the image's /etc/group gives the user are kept besides
 *                         {@code supplementalGroups} (null: {@link SupplementalGroupsPolicy#MERGE})
 */
public record SecurityOptions(
        boolean privileged,
        boolean readonlyRootfs,
        Boolean noNewPrivileges,
        List<String> capabilitiesAdd,
        List<String> capabilitiesDrop,
        Long runAsUser,
        Long runAsGroup,
        List<Long> supplementalGroups,
        Seccomp seccomp,
        String seccompLocalhost,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        String apparmorProfile,
        SupplementalGroupsPolicy supplementalGroupsPolicy) {

    public enum Seccomp { UNCONFINED, RUNTIME_DEFAULT, LOCALHOST }

    /**
     * The CRI's SupplementalGroupsPolicy: MERGE adds the groups whose /etc/group entry in the image lists the
     * user to the ones asked for; STRICT gives the process only the primary group and the ones asked for.
     */
    public enum SupplementalGroupsPolicy { MERGE, STRICT }

    /** Every capability of Linux 6.x in bit order (CHOWN is bit 0): what a privileged container asks for. */
    public static final List<String> ALL_CAPABILITIES = List.of(
            "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
            "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
            "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
            "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
            "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
            "CHECKPOINT_RESTORE");

    /** The largest Localhost profile read; Docker's default profile, one of the largest in use, is 20 KiB. */
    static final int MAX_PROFILE_BYTES = 1 << 20;
    private static final String RUNTIME_DEFAULT_PROFILE = "/dev/berth/oci/seccomp/runtime-default.json";
    private static volatile JsonNode runtimeDefault;

    /** Berth's RuntimeDefault seccomp profile: an allow-list that refuses with EPERM what is not on it. */
    public static JsonNode runtimeDefaultProfile() {
        JsonNode p = runtimeDefault;
        if (p == null) {
            try (InputStream in = SecurityOptions.class.getResourceAsStream(RUNTIME_DEFAULT_PROFILE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RUNTIME_DEFAULT_PROFILE);
                }
                p = OciJson.mapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            runtimeDefault = p;
        }
        return p;
    }

    /**
     * The capabilities of {@link #ALL_CAPABILITIES} in {@code boundingSet} (a CapBnd mask): what "every
     * capability" can mean on this host. runc cannot give a container one that its own bounding set lacks
     * ("unable to apply caps"), such as CAP_SYS_RESOURCE on hosts that drop it; Docker and containerd
     * likewise give privileged containers the capabilities they have themselves.
     */
    static List<String> grantable(long boundingSet) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < ALL_CAPABILITIES.size(); bit++) {
            if ((boundingSet & (1L << bit)) != 0) {
                out.add(ALL_CAPABILITIES.get(bit));
            }
        }
        return out;
    }

    /** This process's bounding set (CapBnd of /proc/self/status); every bit when it cannot be read. */
    static long hostBoundingSet() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("CapBnd:")).findFirst()
                    .map(l -> Long.parseUnsignedLong(l.substring("CapBnd:".length()).trim(), 16)).orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1L;
        }
    }

    Spec applyTo(Spec spec, boolean apparmorEnabled, long hostBoundingSet) {
        Process p = spec.process();
        p = p.withCapabilities(capabilities(p.capabilities(), grantable(hostBoundingSet)));
        if (noNewPrivileges != null) {
            p = p.withNoNewPrivileges(noNewPrivileges);
        }
        boolean strict = supplementalGroupsPolicy == SupplementalGroupsPolicy.STRICT;
        if (runAsUser != null || runAsGroup != null || supplementalGroups != null || strict) {
            Process.User u = p.user();
            // The user's additional gids so far are its /etc/group memberships (SpecBuilder resolved it).
            Set<Long> groups = new LinkedHashSet<>(strict || u.additionalGids() == null ? List.of()
                    : u.additionalGids());
            groups.addAll(supplementalGroups == null ? List.of() : supplementalGroups);
            p = p.withUser(new Process.User(runAsUser != null ? runAsUser : u.uid(),
                    runAsGroup != null ? runAsGroup : u.gid(), u.umask(),
                    groups.isEmpty() ? null : List.copyOf(groups)));
        }
        p = p.withApparmorProfile(apparmor(apparmorEnabled));
        Linux l = spec.linux();
        if (privileged) {
            l = l.withSeccomp(null);
        } else if (seccomp != null) {
            l = l.withSeccomp(seccompProfile());
        }
        if (privileged) {
            l = l.withMaskedPaths(null).withReadonlyPaths(null)
                    .withResources(l.resources().withDevices(List.of(
                            new LinuxResources.DeviceRule(true, "a", null, null, "rwm"))));
            spec = spec.withMounts(writableSysfs(spec.mounts()));
        } else {
            if (maskedPaths != null) {
                l = l.withMaskedPaths(List.copyOf(maskedPaths));
            }
            if (readonlyPaths != null) {
                l = l.withReadonlyPaths(List.copyOf(readonlyPaths));
            }
        }
        return spec.withProcess(p).withLinux(l);
    }

    private Process.Capabilities capabilities(Process.Capabilities base, List<String> all) {
        Set<String> caps = new LinkedHashSet<>();
        if (privileged) {
            all.forEach(c -> caps.add("CAP_" + c));
        } else {
            if (base != null && base.bounding() != null) {
                caps.addAll(base.bounding());
            }
            List<String> drop = normalize(capabilitiesDrop);
            if (drop.contains("ALL")) {
                caps.clear();
            } else {
                drop.forEach(caps::remove);
            }
            List<String> add = normalize(capabilitiesAdd);
            if (add.contains("ALL")) {
                all.forEach(c -> caps.add("CAP_" + c));
            } else {
                caps.addAll(add);
            }
        }
        List<String> list = List.copyOf(caps);
        return new Process.Capabilities(list, list, null, list, null);
    }

    private static List<String> normalize(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names == null ? List.<String>of() : names) {
            String upper = n.trim().toUpperCase(Locale.ROOT);
            if (upper.equals("ALL")) {
                out.add("ALL");
                continue;
            }
            String bare = upper.startsWith("CAP_") ? upper.substring(4) : upper;
            if (!ALL_CAPABILITIES.contains(bare)) {
                throw BerthException.invalid("security context: unknown capability \"" + n + "\"");
            }
            out.add("CAP_" + bare);
        }
        return out;
    }

    private JsonNode seccompProfile() {
        if (seccomp == Seccomp.UNCONFINED) {
            return null;
        }
        if (seccomp == Seccomp.RUNTIME_DEFAULT) {
            return runtimeDefaultProfile();
        }
        try {
            return localhostProfile(seccompLocalhost);
        } catch (BerthException e) {
            throw BerthException.invalid("security context: " + e.getMessage());
        }
    }

    /**
     * The Localhost seccomp profile at {@code path}: an absolute path to a regular file of at most 1 MiB holding
     * a JSON object with a textual defaultAction and, if any, an array of syscall rules. Any absolute path, as
     * CRI-O and containerd take one (kubelet sends the absolute path of a file under its own seccomp root), but
     * berthd reads it as root for a client that chose it, so a refusal says what is wrong with the file and
     * never what the file holds. INVALID_ARGUMENT "'PATH' is not a valid seccomp profile: REASON" otherwise.
     */
    public static JsonNode localhostProfile(String path) {
        String refused = "'" + path + "' is not a valid seccomp profile: ";
        if (path == null || !path.startsWith("/")) {
            throw BerthException.invalid(refused + "a Localhost profile needs an absolute path");
        }
        byte[] bytes;
        try {
            Path file = Path.of(path);
            // A FIFO or a device (/dev/zero) would block or never end: only a regular file is opened.
            if (!Files.isRegularFile(file)) {
                throw BerthException.invalid(refused + (Files.exists(file) ? "not a regular file" : "no such file"));
            }
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_PROFILE_BYTES + 1);
            }
        } catch (InvalidPathException e) {
            throw BerthException.invalid(refused + "not a path");
        } catch (IOException e) {
            throw BerthException.invalid(refused + "cannot be read: " + BerthException.describe(e));
        }
        if (bytes.length > MAX_PROFILE_BYTES) {
            throw BerthException.invalid(refused + "larger than " + MAX_PROFILE_BYTES + " bytes");
        }
        JsonNode profile;
        try {
            profile = OciJson.mapper().readTree(bytes);
        } catch (IOException e) {
            // Jackson's message quotes the bytes it choked on: the file's content, which stays unshown.
            throw BerthException.invalid(refused + "not JSON");
        }
        if (profile == null || !profile.isObject() || !profile.path("defaultAction").isTextual()) {
            throw BerthException.invalid(refused + "not a JSON object with a defaultAction");
        }
        JsonNode syscalls = profile.path("syscalls");
        if (!syscalls.isMissingNode() && !syscalls.isNull() && !(syscalls.isArray()
                && StreamSupport.stream(syscalls.spliterator(), false).allMatch(JsonNode::isObject))) {
            throw BerthException.invalid(refused + "syscalls is not an array of rules");
        }
        return profile;
    }

    /** AppArmor applies only where the kernel has it on; elsewhere "runtime/default" means nothing. */
    private String apparmor(boolean enabled) {
        if (apparmorProfile == null || apparmorProfile.isEmpty() || apparmorProfile.equals("unconfined")) {
            return null;
        }
        if (!enabled) {
            if (apparmorProfile.equals("runtime/default")) {
                return null;
            }
            throw BerthException.invalid("security context: AppArmor profile \"" + apparmorProfile
                    + "\" asked for, but AppArmor is not enabled on this host");
        }
        return apparmorProfile.equals("runtime/default") ? null : apparmorProfile.replaceFirst("^localhost/", "");
    }

    private static List<Mount> writableSysfs(List<Mount> mounts) {
        if (mounts == null) {
            return null;
        }
        return mounts.stream().map(m -> "sysfs".equals(m.type()) && m.options() != null
                ? new Mount(m.destination(), m.type(), m.source(),
                        m.options().stream().filter(o -> !o.equals("ro")).toList())
                : m).toList();
    }

    public static boolean apparmorEnabled() {
        try {
            return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).trim().equals("Y");
        } catch (IOException e) {
            return false;
        }
    }
}
