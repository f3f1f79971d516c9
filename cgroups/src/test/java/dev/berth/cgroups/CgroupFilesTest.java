package dev.berth.cgroups;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CgroupFilesTest {
    @TempDir
    Path dir;

    @Test
    void sentinels() throws Exception {
        Files.writeString(dir.resolve("a"), "max\n");
        Files.writeString(dir.resolve("b"), "9223372036854771712\n");
        Files.writeString(dir.resolve("c"), "12345\n");
        Files.writeString(dir.resolve("d"), "18446744073709551615\n");
        Files.writeString(dir.resolve("e"), "garbage\n");
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(dir.resolve("a")));
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(dir.resolve("b")), "v1 page-rounded LONG_MAX");
        assertEquals(12345, CgroupFiles.readLong(dir.resolve("c")));
        assertEquals(CgroupFiles.UNLIMITED, CgroupFiles.readLong(dir.resolve("d")));
        assertEquals(CgroupFiles.UNAVAILABLE, CgroupFiles.readLong(dir.resolve("e")));
        assertEquals(CgroupFiles.UNAVAILABLE, CgroupFiles.readLong(dir.resolve("missing")));
    }

    @Test
    void keyed() throws Exception {
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n");
        assertEquals(1, CgroupFiles.readKeyed(dir.resolve("memory.events"), "oom_kill"));
        assertEquals(3, CgroupFiles.readKeyed(dir.resolve("memory.events"), "max"));
        assertEquals(CgroupFiles.UNAVAILABLE, CgroupFiles.readKeyed(dir.resolve("memory.events"), "nope"));
        assertEquals(CgroupFiles.UNAVAILABLE, CgroupFiles.readKeyed(dir.resolve("missing"), "oom_kill"));
    }

    @Test
    void writeNeverCreates() {
        BerthException e = assertThrows(BerthException.class, () -> CgroupFiles.write(dir.resolve("pids.max"), "5"));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, e.kind());
        assertFalse(Files.exists(dir.resolve("pids.max")));
    }

    @Test
    void pressure() throws Exception {
        Files.writeString(dir.resolve("cpu.pressure"),
                "some avg10=1.50 avg60=0.20 avg300=0.00 total=123\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=4\n");
        Files.writeString(dir.resolve("memory.pressure"),
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        Pressure p = Pressure.read(dir);
        assertEquals(1.5, p.cpuSomeAvg10());
        assertEquals(0.0, p.memorySomeAvg10());
        assertTrue(Double.isNaN(p.ioSomeAvg10()));
    }
}
