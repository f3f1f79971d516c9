package dev.berth.oci.bundle;

import dev.berth.oci.spec.runtime.Linux;
import dev.berth.oci.spec.runtime.LinuxResources;
import dev.berth.oci.spec.runtime.LinuxResources.DeviceRule;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Root;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Berth's secure default spec: the same confinement Docker (moby oci/defaults.go) and CRI-O give a
 * container, so images behave as they do there: Docker's 14 capabilities, no_new_privs, runc's masked and
 * read-only /proc and /sys paths, the standard devices only, and Berth's RuntimeDefault seccomp profile
 * (an allow-list; {@code --security-opt seccomp=unconfined} or {@code --privileged} opt out).
 */
public final class SpecDefaults {
    private static final System.Logger LOG = System.getLogger(SpecDefaults.class.getName());
    private static final AtomicBoolean WARNED_NOFILE = new AtomicBoolean();

    public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Docker's default capability set, without the CAP_ prefix. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of(
            "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
            "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE");

    public static final List<String> MASKED_PATHS = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    public static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** The RLIMIT_NOFILE Berth wants (Docker's and Podman's); capped at the host's hard limit. */
    public static final long WANTED_NOFILE = 1_048_576;

    private SpecDefaults() {
    }

    /** {@link #secure(long)} with the hard RLIMIT_NOFILE of this process. */
    public static Spec secure() {
        return secure(hostNofileHardLimit());
    }

    /**
     * The secure defaults. RLIMIT_NOFILE is min(1048576, {@code hostNofileHard}) for soft and hard:
     * without CAP_SYS_RESOURCE runc cannot raise a hard limit above the one it inherits.
     */
    public static Spec secure(long hostNofileHard) {
        long nofile = nofileLimit(hostNofileHard);
        List<String> caps = DEFAULT_CAPABILITIES.stream().map(c -> "CAP_" + c).toList();
        Process process = new Process(
                false, null, new Process.User(0, 0), null, List.of(DEFAULT_PATH), "/",
                new Process.Capabilities(caps, caps, null, caps, null),
                List.of(new Process.Rlimit("RLIMIT_NOFILE", nofile, nofile)),
                true, null, null, null);
        Linux linux = new Linux(
                List.of(new Linux.Namespace("pid"), new Linux.Namespace("ipc"), new Linux.Namespace("uts"),
                        new Linux.Namespace("mount"), new Linux.Namespace("network")),
                null, null, null, null,
                LinuxResources.empty().withDevices(deviceRules()),
                null, SecurityOptions.runtimeDefaultProfile(), MASKED_PATHS, READONLY_PATHS, null, null);
        return new Spec(Spec.OCI_VERSION, process, new Root("rootfs", false), null, mounts(), null, null, linux);
    }

    static long nofileLimit(long hostNofileHard) {
        if (hostNofileHard <= 0 || hostNofileHard >= WANTED_NOFILE) {
            return WANTED_NOFILE;
        }
        if (WARNED_NOFILE.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "containers get RLIMIT_NOFILE " + hostNofileHard + " instead of "
                    + WANTED_NOFILE + ": the host's hard limit is lower and raising it needs CAP_SYS_RESOURCE");
        }
        return hostNofileHard;
    }

    /**
     * The hard RLIMIT_NOFILE of this process from /proc/self/limits; {@link #WANTED_NOFILE} when it
     * is unlimited, 1024 when it cannot be read.
     */
    public static long hostNofileHardLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return "unlimited".equals(f[1]) ? WANTED_NOFILE : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read RLIMIT_NOFILE from /proc/self/limits: " + e);
        }
        return 1024;
    }

    private static List<Mount> mounts() {
        return List.of(
                new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
                new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                new Mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
    }

    /** Deny everything, then Docker's defaults: mknod of any node, and the standard character devices. */
    private static List<DeviceRule> deviceRules() {
        return List.of(
                new DeviceRule(false, null, null, null, "rwm"),
                new DeviceRule(true, "c", null, null, "m"),
                new DeviceRule(true, "b", null, null, "m"),
                new DeviceRule(true, "c", 1L, 3L, "rwm"),    // null
                new DeviceRule(true, "c", 1L, 5L, "rwm"),    // zero
                new DeviceRule(true, "c", 1L, 7L, "rwm"),    // full
                new DeviceRule(true, "c", 1L, 8L, "rwm"),    // random
                new DeviceRule(true, "c", 1L, 9L, "rwm"),    // urandom
                new DeviceRule(true, "c", 5L, 0L, "rwm"),    // tty
                new DeviceRule(true, "c", 136L, null, "rwm"), // pts/*, the console included
                new DeviceRule(true, "c", 5L, 2L, "rwm"));   // ptmx
    }
}
