package dev.berth.viewfs.restart;

import dev.berth.viewfs.caller.ProcFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A fake /proc: which namespaces hold mounts of a dead instance of this mount point's server. */
class StaleBindsTest {
    static final String FS = "berth-viewfs:/var/lib/berth-viewfs";
    static final String LIVE = "0:77";
    @TempDir
    Path proc;

    void process(int pid, String ns, String... mountinfo) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("ns"));
        Files.createSymbolicLink(dir.resolve("mnt"), Path.of(ns));
        Files.writeString(dir.getParent().resolve("mountinfo"), String.join("\n", mountinfo) + "\n");
    }

    static String line(int id, String dev, String root, String mountPoint, String type, String source) {
        return id + " 1 " + dev + " " + root + " " + mountPoint + " ro,nosuid - " + type + " " + source + " ro";
    }

    @Test
    void findsEachNamespaceWithDeadMountsOnceAndLeavesOthersAlone() throws IOException {
        // the host: the live mount and lxcfs, nothing to heal
        process(1, "mnt:[100]", line(20, "8:1", "/", "/", "ext4", "/dev/sda1"),
                line(30, LIVE, "/", "/var/lib/berth-viewfs", "fuse.viewfs", FS),
                line(31, "0:50", "/", "/var/lib/lxcfs", "fuse.lxcfs", "lxcfs"));
        // a container: two dead binds (one stacked twice), one already healed, one of lxcfs
        String[] container = {line(40, "0:60", "/", "/", "overlay", "overlay"),
                line(41, "0:61", "/proc/meminfo", "/proc/meminfo", "fuse.viewfs", FS),
                line(42, "0:61", "/proc/stat", "/proc/stat", "fuse.viewfs", FS),
                line(43, "0:59", "/proc/stat", "/proc/stat", "fuse.viewfs", FS),
                line(44, LIVE, "/proc/uptime", "/proc/uptime", "fuse.viewfs", FS),
                line(45, "0:50", "/proc/cpuinfo", "/proc/cpuinfo", "fuse.lxcfs", "lxcfs")};
        process(500, "mnt:[200]", container);
        process(501, "mnt:[200]", container);
        // another server's mount point: not ours
        process(600, "mnt:[300]", line(50, "0:62", "/proc/meminfo", "/proc/meminfo", "fuse.viewfs",
                "berth-viewfs:/tmp/other"));
        // a mount point path with a space, escaped by the kernel
        process(700, "mnt:[400]", line(51, "0:61", "/sys/devices/system/cpu/online", "/a\\040b/online", "fuse.viewfs", FS));
        Files.createDirectories(proc.resolve("800")); // exited between listing and reading
        Files.createDirectories(proc.resolve("self"));

        List<StaleBinds.Namespace> stale = StaleBinds.find(new ProcFs(proc), FS, LIVE);

        assertEquals(2, stale.size(), stale.toString());
        assertEquals(new StaleBinds.Namespace(500, "mnt:[200]", List.of(
                new StaleBinds.Bind("/proc/meminfo", "/proc/meminfo"), new StaleBinds.Bind("/proc/stat", "/proc/stat"))),
                stale.get(0));
        assertEquals(new StaleBinds.Namespace(700, "mnt:[400]", List.of(
                new StaleBinds.Bind("/sys/devices/system/cpu/online", "/a b/online"))), stale.get(1));
    }

    @Test
    void nothingStaleWhenEveryMountIsLive() throws IOException {
        process(1, "mnt:[100]", line(30, LIVE, "/", "/var/lib/berth-viewfs", "fuse.viewfs", FS));
        process(2, "mnt:[101]", line(41, LIVE, "/proc/meminfo", "/proc/meminfo", "fuse.viewfs", FS));
        assertEquals(List.of(), StaleBinds.find(new ProcFs(proc), FS, LIVE));
    }

    @Test
    void theFileSystemNameNamesTheMountPointAndRefusesWhatLibfuseWouldSplit() {
        assertEquals("berth-viewfs:/var/lib/berth-viewfs", RestartHealer.fsName(Path.of("/var/lib/./berth-viewfs/")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RestartHealer.fsName(Path.of("/tmp/a,b")));
        assertTrue(e.getMessage().contains("/tmp/a,b"), e.getMessage());
    }
}
