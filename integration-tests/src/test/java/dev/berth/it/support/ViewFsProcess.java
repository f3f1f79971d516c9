package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.testing.Await;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.restart.RestartHealer;
import dev.berth.viewfs.syscall.SyscallViews;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A berth-viewfs server of the source tree on a test's mount point, its output appended to a log. */
public final class ViewFsProcess {
    private final Path mount;
    private final String cgroupParent;
    private final Path log;
    private Process server;

    public ViewFsProcess(Path mount, String cgroupParent, Path log) {
        this.mount = mount;
        this.cgroupParent = cgroupParent;
        this.log = log;
    }

    /** Starts the server and waits until its files are there. */
    public void start() throws IOException {
        server = new ProcessBuilder(BerthHarness.REPO.resolve("viewfs/src/main/sh/berth-viewfs").toString(),
                mount.toString(), "--cgroup-parent", cgroupParent)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        assertTrue(Await.eventually(() -> Files.exists(mount.resolve("proc/meminfo")), 20_000),
                "berth-viewfs did not mount " + mount);
    }

    /** SIGKILL, as a crash: the mount and the keeper stay. */
    public void kill() throws InterruptedException {
        server.destroyForcibly();
        assertTrue(server.waitFor(10, TimeUnit.SECONDS), "berth-viewfs survived SIGKILL");
    }

    /** Stops the server, its keepers and every mount left at the mount point, and removes the mount point. */
    public void close() throws IOException, InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        for (RestartHealer.Keeper k : new RestartHealer(ProcFs.host(), mount, null, null).keepers()) {
            ProcessHandle.of(k.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        // the syscall views' keeper outlives every server by design
        SyscallViews.keeper(mount).ifPresent(ProcessHandle::destroyForcibly);
        for (String suffix : List.of(".notify.sock", ".notify.ctl", ".notify.slot")) {
            Files.deleteIfExists(Path.of(mount + suffix));
        }
        // a killed server's mount was detached by its successor; the last one is unmounted on SIGTERM
        for (int i = 0; i < 3 && Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mount + " "); i++) {
            BerthHarness.run("umount", "-l", mount.toString());
        }
        Files.deleteIfExists(mount);
    }
}
