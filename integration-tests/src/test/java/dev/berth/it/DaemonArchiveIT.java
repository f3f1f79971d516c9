package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.support.BerthHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * make install's berthd start-up archive: make-daemon-cds.sh trains the launcher on a real berthd (a container
 * run through the CLI), and the launcher then starts with it: -Xshare:on fails unless the JVM maps the archive.
 */
class DaemonArchiveIT {
    private static final Path SH = BerthHarness.REPO.resolve("daemon/src/main/sh");

    @Test
    void theTrainedArchiveIsMappedByTheLauncher(@TempDir Path dir) throws Exception {
        Path lib = Files.createDirectory(dir.resolve("lib"));
        try (Stream<Path> jars = Files.list(BerthHarness.REPO.resolve("daemon/target/lib"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, lib.resolve(jar.getFileName()));
            }
        }
        Result made = run(List.of("bash", SH.resolve("make-daemon-cds.sh").toString(), lib.toString(),
                BerthHarness.REPO.resolve("shim/c").toString()), List.of(
                "BERTH_CLI=" + BerthHarness.REPO.resolve("cli/src/main/sh/berth"),
                "BERTH_LIB=" + BerthHarness.REPO.resolve("cli/target/lib"),
                "BERTH_TRAINING_IMAGE=" + BerthHarness.REPO.resolve("build/images/busybox")));
        assertEquals(0, made.code(), made.out());
        assertTrue(Files.size(lib.resolve("berthd.jsa")) > 1_000_000, made.out());
        Result mapped = run(List.of(SH.resolve("berthd").toString(), "--version"), List.of(
                "BERTH_DAEMON_LIB=" + lib, "BERTH_DAEMON_JAVA_OPTS=-Xshare:on -Xlog:cds=info"));
        assertEquals(0, mapped.code(), mapped.out());
        assertTrue(mapped.out().contains("berthd.jsa"), "the dynamic archive was not opened:\n" + mapped.out());
        // a jar newer than the archive: the launcher leaves the stale archive alone
        Files.setLastModifiedTime(lib.resolve("berth-daemon-0.1.0-SNAPSHOT.jar"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        Result stale = run(List.of(SH.resolve("berthd").toString(), "--version"), List.of(
                "BERTH_DAEMON_LIB=" + lib, "BERTH_DAEMON_JAVA_OPTS=-Xlog:cds=info"));
        assertEquals(0, stale.code(), stale.out());
        assertTrue(!stale.out().contains("berthd.jsa"), "a stale archive was used:\n" + stale.out());
    }

    private record Result(int code, String out) {
    }

    private static Result run(List<String> cmd, List<String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String e : env) {
            int eq = e.indexOf('=');
            pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Result(p.exitValue(), out);
    }
}
