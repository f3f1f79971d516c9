package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.ViewFsProcess;
import dev.berth.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What tells a user whether containers see their own limits: `berth info` (the view server's mount, whether
 * it serves, how many containers have no views), `berth inspect`'s resourceViews, berthd's WARN lines; and
 * berth-viewfs's one-line answer when libfuse 2 cannot be loaded.
 */
class ResourceViewsStatusIT {

    /**
     * Containers created while the server does not serve have no views and say so; once it serves berthd
     * adds them: bound into a running one's mount namespace, in a created one's bundle for its start.
     */
    @Test
    void containersMadeWhileTheServerIsDownGetTheirViewsOnceItServes() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "resource views need /dev/fuse");
        Path mount = Files.createTempDirectory(Path.of("/tmp"), "bvfs");
        ViewFsProcess viewfs = null;
        try (BerthHarness berth = new BerthHarness(List.of("resource_views = \"" + mount + "\""))) {
            assertTrue(berth.daemonLog().contains("WARN") && berth.daemonLog().contains(
                    "berth-viewfs is not serving " + mount), "berthd's start: " + berth.daemonLog());
            String info = berth.ok("info");
            assertTrue(info.contains("Resource Views: inactive, berth-viewfs not serving " + mount), info);
            assertTrue(info.contains("Containers Without Views: 0"), info);

            String running = berth.ok("run", "-d", "--memory", "64m", "busybox", "sleep", "1000").strip();
            String created = berth.ok("create", "--memory", "64m", "busybox", "grep", "MemTotal", "/proc/meminfo").strip();
            assertEquals("false", views(berth, running));
            assertEquals("false", views(berth, created));
            assertFalse(memTotal(berth, running).contains(" 65536 kB"), "a container without views sees the host's");
            assertTrue(berth.daemonLog().contains("container " + running + ": no resource views"), berth.daemonLog());
            assertTrue(berth.ok("info").contains("Containers Without Views: 2"));

            viewfs = new ViewFsProcess(mount, berth.cgroupParent(), berth.base().resolve("viewfs.log"));
            viewfs.start();
            info = berth.ok("info");
            assertTrue(info.contains("Resource Views: active, berth-viewfs serving " + mount), info);
            assertTrue(Await.eventually(() -> views(berth, running).equals("true")
                    && views(berth, created).equals("true"), 20_000),
                    "views not added once the server served:\n" + berth.daemonLog());
            assertTrue(memTotal(berth, running).contains(" 65536 kB"), "bound into the running container");
            assertTrue(berth.ok("start", "-a", created).contains(" 65536 kB"), "in the created one's bundle");
            assertTrue(berth.ok("info").contains("Containers Without Views: 0"));

            String made = berth.ok("run", "-d", "--memory", "64m", "busybox", "sleep", "1000").strip();
            assertEquals("true", views(berth, made));
            assertTrue(memTotal(berth, made).contains(" 65536 kB"));

            berth.ok("rm", "-f", running, created, made);
            viewfs.close();
            assertTrue(berth.ok("info").contains("Resource Views: inactive"), "after the server stopped");
        } finally {
            if (viewfs != null) {
                viewfs.close();
            }
            Files.deleteIfExists(mount);
        }
    }

    private static String memTotal(BerthHarness berth, String id) throws Exception {
        return berth.ok("exec", id, "grep", "MemTotal", "/proc/meminfo");
    }

    /** inspect's resourceViews of the container: "true", "false", or "absent". */
    private static String views(BerthHarness berth, String id) {
        try {
            Matcher m = Pattern.compile("\"resourceViews\"\\s*:\\s*(\\w+)").matcher(berth.ok("inspect", id));
            return m.find() ? m.group(1) : "absent";
        } catch (Exception e) {
            throw new AssertionError(e);
        }
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
