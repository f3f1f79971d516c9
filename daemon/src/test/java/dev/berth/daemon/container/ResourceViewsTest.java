package dev.berth.daemon.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.oci.bundle.SpecBuilder;
import dev.berth.oci.spec.runtime.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tmpfs standing in for the viewfs mount: which files get bound, and when none are. */
class ResourceViewsTest {
    @TempDir
    Path tmp;
    Path mount;
    boolean mounted;

    @BeforeEach
    void mountTmpfs() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        mount = Files.createDirectory(tmp.resolve("views"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", mount.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "cannot mount a tmpfs here");
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Serves {@code files} in container c1's copy of the tree, as viewfs serves every name, and the root's meminfo. */
    void serve(String... files) throws Exception {
        Files.createDirectories(mount.resolve("proc"));
        Files.writeString(mount.resolve("proc/meminfo"), "view\n");
        for (String f : files) {
            Path p = Path.of(mount + "/containers/c1" + f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "view\n");
        }
    }

    List<Mount> binds(ResourceViews views, Boolean requested) {
        SpecBuilder spec = SpecBuilder.secureDefaults().args(List.of("true"));
        if (views.forNewContainer("c1", requested)) {
            views.apply("c1", spec);
        }
        return spec.build().mounts().stream().filter(m -> m.source() != null && m.source().startsWith(mount.toString())).toList();
    }

    @Test
    void bindsEveryServedFileReadOnlyAndSkipsWhatTheServerLacks() throws Exception {
        serve("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime", "/proc/loadavg", "/proc/swaps",
                "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/present",
                "/proc/pressure/cpu");
        List<Mount> binds = binds(new ResourceViews(mount, true, null), null);
        assertEquals(List.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime", "/proc/loadavg", "/proc/swaps",
                "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/present"),
                binds.stream().map(Mount::destination).toList(),
                "no diskstats (not served), no pressure (runc refuses targets inside /proc beyond its list)");
        for (Mount m : binds) {
            assertEquals(mount + "/containers/c1" + m.destination(), m.source(), "the container's own inodes");
            assertEquals(List.of("rbind", "rprivate", "ro"), m.options());
        }
        serve("/proc/diskstats");
        assertEquals(ResourceViews.FILES, binds(new ResourceViews(mount, true, null), null).stream().map(Mount::destination).toList());
    }

    @Test
    void noBindsWhenOptedOutOrNotMounted() throws Exception {
        serve(ResourceViews.FILES.toArray(String[]::new));
        assertEquals(List.of(), binds(new ResourceViews(mount, true, null), false), "the container opted out");
        assertEquals(List.of(), binds(new ResourceViews(mount, false, null), null), "off by default");
        assertEquals(ResourceViews.FILES.size(), binds(new ResourceViews(mount, false, null), true).size(), "opted in");
        assertEquals(List.of(), binds(new ResourceViews(tmp, true, null), null), "not a mount point");
        assertEquals(new ResourceViews.Status(mount, true, true, false), new ResourceViews(mount, true, null).status());
        assertEquals(new ResourceViews.Status(tmp, false, true, false), new ResourceViews(tmp, true, null).status());
    }

    /** A mount whose root serves no meminfo (as a dead server's mount, whose stat fails) is not serving. */
    @Test
    void noBindsWhenTheMountDoesNotServe() throws Exception {
        serve(ResourceViews.FILES.toArray(String[]::new));
        Files.delete(mount.resolve("proc/meminfo"));
        assertEquals(List.of(), binds(new ResourceViews(mount, true, null), true));
        assertEquals(new ResourceViews.Status(mount, false, true, false), new ResourceViews(mount, true, null).status());
    }
}
