package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.ViewFsProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What tells a user whether containers see their own limits: `berth info` (the view server's mount, whether
 * it serves, how many containers have no views), `berth inspect`'s resourceViews, berthd's WARN lines; and
 * berth-viewfs's one-line answer when libfuse 2 cannot be loaded.
 */
class ResourceViewsStatusIT {

    @Test
    void infoAndInspectSayWhetherContainersGotViewsWhileTheServerIsDownAndUp() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "resource views need /dev/fuse");
        Path mount = Files.createTempDirectory(Path.of("/tmp"), "bvfs");
        ViewFsProcess viewfs = null;
        try (BerthHarness berth = new BerthHarness(List.of("resource_views = \"" + mount + "\""))) {
            assertTrue(berth.daemonLog().contains("WARN") && berth.daemonLog().contains(
                    "berth-viewfs is not serving " + mount), "berthd's start: " + berth.daemonLog());
            String info = berth.ok("info");
            assertTrue(info.contains("Resource Views: inactive, berth-viewfs not serving " + mount), info);
            assertTrue(info.contains("Containers Without Views: 0"), info);

            String without = berth.ok("run", "-d", "--memory", "64m", "busybox", "sleep", "1000").strip();
            assertViews(berth, without, false);
            assertFalse(berth.ok("exec", without, "grep", "MemTotal", "/proc/meminfo").contains(" 65536 kB"),
                    "a container without views sees the host's MemTotal");
            assertTrue(berth.daemonLog().contains("container " + without + ": no resource views"), berth.daemonLog());
            assertTrue(berth.ok("info").contains("Containers Without Views: 1"));

            viewfs = new ViewFsProcess(mount, berth.cgroupParent(), berth.base().resolve("viewfs.log"));
            viewfs.start();
            info = berth.ok("info");
            assertTrue(info.contains("Resource Views: active, berth-viewfs serving " + mount), info);
            String with = berth.ok("run", "-d", "--memory", "64m", "busybox", "sleep", "1000").strip();
            assertViews(berth, with, true);
            assertTrue(berth.ok("exec", with, "grep", "MemTotal", "/proc/meminfo").contains(" 65536 kB"));
            assertTrue(berth.ok("info").contains("Containers Without Views: 1"), "only the one made while it was down");

            berth.ok("rm", "-f", with, without);
            viewfs.close();
            assertTrue(berth.ok("info").contains("Resource Views: inactive"), "after the server stopped");
        } finally {
            if (viewfs != null) {
                viewfs.close();
            }
            Files.deleteIfExists(mount);
        }
    }

    private static void assertViews(BerthHarness berth, String id, boolean expected) throws Exception {
        String inspect = berth.ok("inspect", id);
        assertTrue(inspect.matches("(?s).*\"resourceViews\"\\s*:\\s*" + expected + "\\b.*"), inspect);
    }

    /**
     * The host's libfuse.so.2 replaced by an empty file in a mount namespace of the server's own: dlopen
     * fails as on a host without libfuse2, and the launcher prints one line naming the packages, no trace.
     */
    @Test
    void withoutLibfuseTheServerSaysWhichPackagesToInstall() throws Exception {
        assumeTrue(BerthHarness.onPath("unshare"), "needs unshare (util-linux)");
        String libfuse = BerthHarness.run("ldconfig", "-p").lines().filter(l -> l.strip().startsWith("libfuse.so.2 "))
                .map(l -> l.substring(l.indexOf("=> ") + 3).strip()).findFirst().orElse(null);
        assumeTrue(libfuse != null, "libfuse2 is not installed here: nothing to hide");
        Path mount = Files.createTempDirectory(Path.of("/tmp"), "bvfs");
        try {
            Process p = new ProcessBuilder("unshare", "-m", "sh", "-c", "mount --bind /dev/null \"$1\" && exec \"$2\" \"$3\"",
                    "sh", Path.of(libfuse).toRealPath().toString(),
                    BerthHarness.REPO.resolve("viewfs/src/main/sh/berth-viewfs").toString(), mount.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "berth-viewfs did not exit: " + out);
            assertEquals(1, p.exitValue(), out);
            List<String> lines = out.lines().toList();
            assertEquals(1, lines.size(), out);
            assertTrue(lines.get(0).startsWith("berth-viewfs: cannot load libfuse 2 (")
                    && lines.get(0).endsWith("): apt-get install libfuse2 fuse"), out);
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mount + " "), "nothing mounted");
        } finally {
            Files.deleteIfExists(mount);
        }
    }
}
