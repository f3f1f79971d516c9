package dev.berth.daemon.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuncRuntimeTest {
    @TempDir
    Path tmp;

    @Test
    void mountSetattrCameWithLinux512() {
        assertTrue(RuncRuntime.kernelHasMountSetattr("5.12.0"));
        assertTrue(RuncRuntime.kernelHasMountSetattr("6.1.0-18-amd64"));
        assertTrue(RuncRuntime.kernelHasMountSetattr("10.0"));
        assertFalse(RuncRuntime.kernelHasMountSetattr("5.11.22"));
        assertFalse(RuncRuntime.kernelHasMountSetattr("4.19.0"));
        assertFalse(RuncRuntime.kernelHasMountSetattr("unknown"));
        assertFalse(RuncRuntime.kernelHasMountSetattr(null));
    }

    @Test
    void runcOnThisHostCanMakeMountsReadOnlyRecursively() {
        Path runc = Path.of("/usr/sbin/runc");
        assumeTrue(Files.isExecutable(runc), "needs runc");
        assumeTrue(RuncRuntime.kernelHasMountSetattr(System.getProperty("os.version")), "kernel before 5.12");
        assertTrue(new RuncRuntime(runc, tmp.resolve("root"), false).recursiveReadOnly());
    }

    @Test
    void aRuntimeWithoutFeaturesGetsPlainReadOnlyMounts() throws IOException {
        Path old = tmp.resolve("old-runtime");
        Files.writeString(old, "#!/bin/sh\necho \"unknown command $1\" >&2\nexit 1\n");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwx------"));
        assertFalse(new RuncRuntime(old, tmp.resolve("root"), false).recursiveReadOnly());
        Path noRro = tmp.resolve("no-rro");
        Files.writeString(noRro, "#!/bin/sh\necho '{\"mountOptions\": [\"ro\", \"rbind\"]}'\n");
        Files.setPosixFilePermissions(noRro, PosixFilePermissions.fromString("rwx------"));
        assertFalse(new RuncRuntime(noRro, tmp.resolve("root"), false).recursiveReadOnly());
    }
}
