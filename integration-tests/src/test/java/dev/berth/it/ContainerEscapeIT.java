package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.BerthHarness.Result;
import dev.berth.it.support.SharedDaemonIT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * From inside a default container (`berth run busybox`), each way out that Berth's defaults close stays
 * closed, with the reason the kernel gives. Where it is safe for the host, the same command run with the
 * protection lifted (--privileged or seccomp=unconfined) succeeds: proof that the default is what stops it.
 */
class ContainerEscapeIT extends SharedDaemonIT {

    /** The output (stdout and stderr together) of {@code script} in a fresh container with {@code options}. */
    private static String inside(String script, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm"));
        args.addAll(List.of(options));
        // The script's own failures are the point: they go to the output, and the container exits 0.
        args.addAll(List.of("busybox", "sh", "-c", "{ " + script + "; } 2>&1; exit 0"));
        Result r = berth.berth(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), "the script itself must finish: " + r);
        return r.out();
    }

    @Test
    void theProcessIsConfined() throws Exception {
        String status = inside("grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status");
        // Docker's 14 default capabilities, no_new_privs, a seccomp filter (mode 2).
        assertTrue(status.contains("CapBnd:\t00000000a80425fb"), status);
        assertTrue(status.contains("CapEff:\t00000000a80425fb"), status);
        assertTrue(status.contains("NoNewPrivs:\t1"), status);
        assertTrue(status.contains("Seccomp:\t2"), status);

        assertTrue(inside("grep '^Seccomp:' /proc/self/status", "--security-opt", "seccomp=unconfined")
                .contains("Seccomp:\t0"));
        String privileged = inside("grep -E '^(CapBnd|Seccomp):' /proc/self/status", "--privileged");
        assertTrue(privileged.contains("Seccomp:\t0"), privileged);
        assertFalse(privileged.contains("CapBnd:\t00000000a80425fb"), privileged);
    }

    @Test
    void sysrqTriggerIsReadOnly() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/sysrq-trigger")), "this host's kernel has no /proc/sysrq-trigger");
        assertEquals("sh: can't create /proc/sysrq-trigger: Read-only file system",
                inside("echo h > /proc/sysrq-trigger"));
        // Not written with --privileged (it would reach the host's kernel): only the read-only mount goes.
        String cmd = "grep -c ' /proc/sysrq-trigger .*ro,' /proc/self/mountinfo";
        assertEquals("1", inside(cmd));
        assertEquals("0", inside(cmd + " || true", "--privileged"));
    }

    @Test
    void procSysIsReadOnly() throws Exception {
        // The hostname is the container's own (UTS namespace): safe to write when the protection is lifted.
        String cmd = "echo escaped > /proc/sys/kernel/hostname && cat /proc/sys/kernel/hostname";
        assertEquals("sh: can't create /proc/sys/kernel/hostname: Read-only file system", inside(cmd));
        assertEquals("escaped", inside(cmd, "--privileged"));
    }

    @Test
    void mountingIsRefused() throws Exception {
        for (String mount : List.of("mount -t tmpfs none /m", "mount -t proc proc /m")) {
            assertEquals("mount: permission denied (are you root?)", inside("mkdir /m && " + mount), mount);
            // In the container's own mount namespace: mounting there touches nothing of the host's.
            assertEquals("mounted", inside("mkdir /m && " + mount + " && echo mounted", "--privileged"), mount);
        }
    }

    @Test
    void loadingAKernelModuleIsRefused() throws Exception {
        // Not tried with --privileged: the host kernel would be asked to load it.
        assertEquals("insmod: can't insert '/bin/busybox': Operation not permitted", inside("insmod /bin/busybox"));
    }

    @Test
    void kcoreIsMasked() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/kcore")), "this host's kernel has no /proc/kcore");
        // Masked: /dev/null bound over the file.
        assertEquals("0\n1,3", inside("wc -c < /proc/kcore; stat -c %t,%T /proc/kcore"));
        // With the mask lifted it is the kernel's ELF core image again (read, never written).
        assertEquals("ELF", inside("head -c 4 /proc/kcore | tail -c 3", "--privileged"));
    }

    @Test
    void kernelStateFilesAndFirmwareAreMasked() throws Exception {
        // Masked: /dev/null bound over each file, an empty read-only tmpfs over the directory.
        assertEquals("0\n1,3\n0\n1,3", inside("for f in /proc/timer_list /proc/keys; do wc -c < $f; stat -c %t,%T $f; done"));
        assertEquals("0\ntouch: /sys/firmware/x: Read-only file system",
                inside("ls -A /sys/firmware | wc -l; touch /sys/firmware/x"));
        // With the masks lifted the host kernel's own timers and firmware show.
        String timers = inside("head -n 1 /proc/timer_list", "--privileged");
        assertTrue(timers.startsWith("Timer List Version: v0."), timers);
        long hostFirmware;
        try (Stream<Path> entries = Files.list(Path.of("/sys/firmware"))) {
            hostFirmware = entries.count();
        }
        assertEquals(Long.toString(hostFirmware), inside("ls -A /sys/firmware | wc -l", "--privileged"));
    }

    @Test
    void blockAndMemoryDevicesCannotBeOpened() throws Exception {
        // mknod is allowed (Docker's default), opening what was made is not: the devices cgroup says no.
        assertEquals("head: /tmp/disk: Operation not permitted\nhead: /tmp/mem: Operation not permitted",
                inside("mknod /tmp/disk b 7 0 && mknod /tmp/mem c 1 1 && head -c 1 /tmp/disk; head -c 1 /tmp/mem"));
        // Only the standard devices are there.
        assertEquals("full null ptmx pts random shm tty urandom zero",
                inside("ls /dev | grep -vE '^(core|fd|mqueue|stderr|stdin|stdout)$' | tr '\\n' ' ' | sed 's/ $//'"));
    }

    @Test
    void namespaceSyscallsAreRefusedBySeccomp() throws Exception {
        assertEquals("unshare: unshare(0x10000000): Operation not permitted", inside("unshare -U true"));
        assertTrue(inside("nsenter -t 1 -m true").contains("Operation not permitted"));
        // Without the seccomp filter a user namespace can be made: the filter is what refused it.
        assertEquals("made", inside("unshare -U true && echo made", "--security-opt", "seccomp=unconfined"));
    }

    @Test
    void chrootAndPidOneStayInside() throws Exception {
        // What the classic chroot escape climbs with: pivot_root left nothing above the container's root.
        String escape = "echo inside > /marker; cd /../../../..; chroot . /bin/cat /marker";
        assertEquals("inside", inside(escape));
        // pid 1 is the container's own init; the host's processes (berthd among them) are out of sight.
        long daemonPid = berth.daemonPid();
        assertEquals("sh\nno berthd", inside("tr '\\0' ' ' < /proc/1/cmdline | cut -d' ' -f1; "
                + "test -e /proc/" + daemonPid + "/cmdline && grep -q berth /proc/" + daemonPid + "/cmdline"
                + " && echo berthd || echo no berthd"));
    }

    @Test
    void aReadOnlyVolumeIsReadOnlyAllTheWayDown() throws Exception {
        // A host tree with a writable file system mounted below its top, as /proc, /sys and /dev/shm are below /.
        Path tree = Files.createDirectories(berth.base().resolve("rro-tree/sub"));
        BerthHarness.run("mount", "-t", "tmpfs", "-o", "size=1m", "berth-it-rro", tree.toString());
        try {
            String volume = tree.getParent() + ":/v";
            assertEquals("touch: /v/x: Read-only file system\ntouch: /v/sub/x: Read-only file system",
                    inside("touch /v/x; touch /v/sub/x", "-v", volume + ":ro"));
            // Writable without :ro: the read-only mount is what stops the write below.
            assertEquals("written", inside("touch /v/sub/x && echo written", "-v", volume));
        } finally {
            BerthHarness.run("umount", tree.toString());
        }
        // The host's own root: no mount below /host is writable (proc, sys, its cgroups, dev/shm, ...).
        assertEquals("0", inside("awk '$5 ~ \"^/host/\" && $6 !~ /^ro/' /proc/self/mountinfo | wc -l",
                "-v", "/:/host:ro"));
    }
}
