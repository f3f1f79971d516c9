package dev.berth.oci.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs a built spec through the real runc: the defaults must be accepted on this kind of host. */
class SecureDefaultsRuncTest {
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private static String skipReason() throws IOException {
        if (!Files.isExecutable(RUNC)) {
            return "no runc at " + RUNC;
        }
        if (!Files.isExecutable(BUSYBOX)) {
            return "no static busybox at " + BUSYBOX + " (busybox-static)";
        }
        if (!"0".equals(run(List.of("id", "-u"), 10).strip())) {
            return "not root";
        }
        return null;
    }

    private static String run(List<String> cmd, int timeoutSeconds) throws IOException {
        java.lang.Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    @Test
    void builtSpecRunsUnderRunc(@TempDir Path tmp) throws IOException {
        String skip = skipReason();
        if (skip != null) {
            System.out.println("skipped SecureDefaultsRuncTest: " + skip);
            return;
        }
        Path bundle = tmp.resolve("bundle");
        Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "nogroup:x:65534:\nwheel:x:10:nobody\n");

        long nofile = Math.min(SpecDefaults.WANTED_NOFILE, SpecDefaults.hostNofileHardLimit());
        Spec spec = SpecBuilder.secureDefaults()
                .args(List.of("/bin/sh", "-c", "id -u; id -G; ulimit -n; grep CapBnd /proc/self/status; "
                        + "(echo x > /proc/sys/kernel/hostname) 2>/dev/null || echo ro; hostname"))
                .user("nobody").resolveUsersIn(rootfs).hostname("berth-test")
                .pidsLimit(50L)
                .build();
        OciJson.writeAtomically(bundle.resolve("config.json"), spec);

        String id = "berth-oci-spec-test-" + ProcessHandle.current().pid();
        Path state = Files.createDirectories(tmp.resolve("runc-state"));
        String out;
        try {
            out = run(List.of(RUNC.toString(), "--root", state.toString(), "run", "--bundle", bundle.toString(), id), 60);
        } finally {
            try {
                run(List.of(RUNC.toString(), "--root", state.toString(), "delete", "--force", id), 30);
            } catch (IOException ignored) {
                // Already gone after a normal exit.
            }
        }
        List<String> lines = out.lines().toList();
        assertEquals("65534", lines.get(0), out);
        assertEquals("65534 10", lines.get(1), out);
        assertEquals(String.valueOf(nofile), lines.get(2), out);
        // Docker's default bounding set as a bit mask.
        assertEquals("CapBnd:\t00000000a80425fb", lines.get(3), out);
        assertTrue(lines.contains("ro"), out);
        assertEquals("berth-test", lines.get(lines.size() - 1), out);
    }
}
