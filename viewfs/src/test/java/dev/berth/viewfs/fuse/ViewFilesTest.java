package dev.berth.viewfs.fuse;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupMode;
import dev.berth.viewfs.caller.Caller;
import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.cgroup.CgroupSource;
import dev.berth.viewfs.cgroup.LoadTracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which files are served on v1 and v2 and what a container reads in the new ones, from a fake /proc
 * and a recorded cgroup v2 tree (a container of a Debian bookworm guest, 6.1).
 */
class ViewFilesTest {
    static final String HOST_CPU_PRESSURE = "some avg10=74.52 avg60=52.20 avg300=17.78 total=62765264\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
    static final String CGROUP_CPU_PRESSURE = "some avg10=12.40 avg60=3.10 avg300=0.71 total=4153881\nfull avg10=6.02 avg60=1.50 avg300=0.33 total=2012977\n";
    @TempDir
    Path tmp;

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    ProcFs proc() throws IOException {
        Path proc = tmp.resolve("proc");
        write(proc.resolve("pressure/cpu"), HOST_CPU_PRESSURE);
        write(proc.resolve("pressure/memory"), HOST_CPU_PRESSURE);
        write(proc.resolve("pressure/io"), HOST_CPU_PRESSURE);
        write(proc.resolve("diskstats"), " 254       0 vda 146873 23848 3336050 33447 59460 38556 2853520 23591 0 31416 64489 15588 77 622728 4024 12700 3425\n");
        write(proc.resolve("swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        return new ProcFs(proc);
    }

    ViewFiles files(CgroupLayout layout, ProcFs proc) {
        return files(layout, proc, System::nanoTime);
    }

    ViewFiles files(CgroupLayout layout, ProcFs proc, LongSupplier nanoTime) {
        CgroupSource source = CgroupSource.forLayout(layout);
        return new ViewFiles(proc, tmp.resolve("sys"), source, new LoadTracker(source, new CgroupParents(List.of("berth")), proc),
                System::nanoTime, nanoTime);
    }

    @Test
    void v2ServesPressureFromTheContainersCgroupAndDiskstatsFromIoStat() throws IOException {
        Path root = tmp.resolve("unified");
        write(root.resolve("berth/c1/cpu.pressure"), CGROUP_CPU_PRESSURE);
        write(root.resolve("berth/c1/io.stat"), "254:0 rbytes=1064960 wbytes=8192 rios=41 wios=2 dbytes=0 dios=0\n");
        ViewFiles files = files(new CgroupLayout(CgroupMode.V2, Map.of(), root, Set.of("cpu", "io", "memory")), proc());
        assertTrue(files.files().containsAll(List.of("/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io",
                "/proc/swaps", "/proc/diskstats")), files.files().toString());
        Caller container = new Caller(7, new ContainerCgroup("/berth/c1", Map.of("", "/berth/c1")));
        assertEquals(CGROUP_CPU_PRESSURE, text(files.render("/proc/pressure/cpu", container)));
        assertEquals(HOST_CPU_PRESSURE, text(files.render("/proc/pressure/cpu", new Caller(1, null))), "the host sees the host's");
        assertEquals(" 254       0 vda 41 0 2080 0 2 0 16 0 0 0 0 0 0 0 0 0 0\n", text(files.render("/proc/diskstats", container)));
    }

    @Test
    void v1AndKernelsWithoutPsiServeNoPressureFiles() throws IOException {
        CgroupLayout v1 = new CgroupLayout(CgroupMode.HYBRID, Map.of("memory", tmp.resolve("memory")), tmp.resolve("unified"), Set.of());
        assertEquals(ViewFiles.BASE_FILES, files(v1, proc()).files());
        ProcFs noPsi = proc();
        Files.delete(noPsi.root().resolve("pressure/cpu"));
        CgroupLayout v2 = new CgroupLayout(CgroupMode.V2, Map.of(), tmp.resolve("unified"), Set.of());
        assertEquals(ViewFiles.BASE_FILES, files(v2, noPsi).files(), "psi=0: no /proc/pressure on the host");
    }

    @Test
    void aRenderingIsSharedByTheContainersCallersForAFewMillisecondsOnly() throws IOException {
        Path root = tmp.resolve("unified");
        Path pressure = root.resolve("berth/c1/cpu.pressure");
        write(pressure, CGROUP_CPU_PRESSURE);
        AtomicLong clock = new AtomicLong(-7_000_000_000L);
        ViewFiles files = files(new CgroupLayout(CgroupMode.V2, Map.of(), root, Set.of("cpu")), proc(), clock::get);
        ContainerCgroup c1 = new ContainerCgroup("/berth/c1", Map.of("", "/berth/c1"));
        assertEquals(CGROUP_CPU_PRESSURE, text(files.render("/proc/pressure/cpu", new Caller(7, c1))));
        write(pressure, HOST_CPU_PRESSURE);
        clock.addAndGet(ViewFiles.RENDER_MAX_AGE_NANOS - 1);
        assertEquals(CGROUP_CPU_PRESSURE, text(files.render("/proc/pressure/cpu", new Caller(8, c1))),
                "another process of the same container within the age gets the same rendering");
        assertEquals(HOST_CPU_PRESSURE, text(files.render("/proc/pressure/cpu", new Caller(1, null))),
                "the host has its own rendering");
        clock.addAndGet(1);
        assertEquals(HOST_CPU_PRESSURE, text(files.render("/proc/pressure/cpu", new Caller(7, c1))),
                "once the age is reached the cgroup is read again");
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
