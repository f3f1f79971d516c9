package dev.berth.viewfs.caller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** A fake /proc with threads, processes and their cgroups. */
class CallerResolverTest {
    @TempDir
    Path proc;

    static final String HYBRID_HOST = """
            9:name=systemd:/
            4:memory:/process_api/4840715385cf
            3:cpuset:/
            2:cpuacct:/
            1:cpu:/
            0::/
            """;

    void process(int pid, String cgroup, int... threads) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(d.resolve("cgroup"), cgroup);
        Files.writeString(d.resolve("status"), "Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + pid + "\nNgid:\t0\nPid:\t" + pid + "\n");
        for (int t : threads) {
            Path td = Files.createDirectories(proc.resolve(Integer.toString(t)));
            Files.writeString(td.resolve("status"), "Name:\tx\nUmask:\t0022\nState:\tR (running)\nTgid:\t" + pid + "\nNgid:\t0\nPid:\t" + t + "\n");
        }
    }

    @Test
    void threadOfAContainerProcessMapsToTheContainerCgroup() throws IOException {
        process(500, """
                9:name=systemd:/berth/c1
                8:pids:/berth/c1
                4:memory:/berth/c1/nested
                3:cpuset:/berth/c1
                2:cpuacct:/berth/c1
                1:cpu:/berth/c1
                0::/berth/c1
                """, 501, 502);
        CallerResolver r = new CallerResolver(new ProcFs(proc), new CgroupParents(List.of("/berth")), false);
        Caller c = r.resolve(502);
        assertEquals(500, c.pid());
        assertFalse(c.isHost());
        assertEquals("/berth/c1", c.container().id());
        assertEquals("/berth/c1", c.container().path("memory"), "nested cgroups belong to their container");
        assertEquals("/berth/c1", c.container().path("cpu"));
        assertEquals(c.container(), r.resolve(500).container());
    }

    /** Fields 1-22 of /proc/TID/stat with the given start time. */
    void startTime(int tid, long ticks) throws IOException {
        Files.writeString(proc.resolve(tid + "/stat"), tid + " (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + ticks + " 0 0\n");
    }

    @Test
    void aCachedThreadIsRecheckedAfterAFewMillisecondsAndAReusedTidResolvedAgain() throws IOException {
        process(900, "4:memory:/berth/c1\n");
        startTime(900, 100);
        AtomicLong clock = new AtomicLong(-3_000_000_000L);
        CallerResolver r = new CallerResolver(new ProcFs(proc), new CgroupParents(List.of("/berth")), false, clock::get);
        assertEquals("/berth/c1", r.resolve(900).container().id());
        // the process exits and another one in another container gets its tid
        process(900, "4:memory:/berth/c2\n");
        startTime(900, 250);
        clock.addAndGet(CallerResolver.RECHECK_NANOS - 1);
        assertEquals("/berth/c1", r.resolve(900).container().id(), "within the recheck time the entry is trusted");
        clock.addAndGet(1);
        assertEquals("/berth/c2", r.resolve(900).container().id(), "a later start time means another thread");
    }

    @Test
    void hostProcessesAndVanishedThreadsSeeTheHost() throws IOException {
        process(600, HYBRID_HOST, 601);
        process(700, "4:memory:/berthold/x\n1:cpu:/berth\n0::/\n");
        CallerResolver r = new CallerResolver(new ProcFs(proc), new CgroupParents(List.of("berth")), false);
        assertTrue(r.resolve(601).isHost());
        assertEquals(600, r.resolve(601).pid());
        assertTrue(r.resolve(700).isHost(), "a sibling name with the same prefix, or the parent itself, is not a container");
        assertTrue(r.resolve(9999).isHost());
    }

    @Test
    void extraParentsAndV2() throws IOException {
        process(800, "0::/kubepods/burstable/pod1/ctr\n");
        process(801, "4:memory:/kubepods/burstable/pod1\n0::/\n");
        CgroupParents parents = new CgroupParents(List.of(CgroupParents.DEFAULT, "/kubepods/burstable/"));
        CallerResolver v2 = new CallerResolver(new ProcFs(proc), parents, true);
        assertEquals(new ContainerCgroup("/kubepods/burstable/pod1", Map.of("", "/kubepods/burstable/pod1")),
                v2.resolve(800).container());
        assertTrue(v2.resolve(801).isHost(), "v1 lines do not count on a v2 host");
        CallerResolver v1 = new CallerResolver(new ProcFs(proc), parents, false);
        assertEquals("/kubepods/burstable/pod1", v1.resolve(801).container().id());
        assertTrue(v1.resolve(800).isHost(), "the unified line does not count on a v1 or hybrid host");
    }

    @Test
    void parentsAreNormalizedAndChecked() {
        assertEquals(List.of("/berth", "/a/b"), new CgroupParents(List.of("berth/", "/a/b")).parents());
        assertThrows(IllegalArgumentException.class, () -> new CgroupParents(List.of("/")));
        assertThrows(IllegalArgumentException.class, () -> new CgroupParents(List.of("a/../b")));
        assertNull(new CgroupParents(List.of("/berth")).containerOf("/berth"));
        assertEquals("/berth/x", new CgroupParents(List.of("/berth")).containerOf("/berth/x/y/z"));
    }

    @Test
    void systemdDriverScopesAreContainers() {
        String id = "0123456789abcdef".repeat(4);
        CgroupParents parents = new CgroupParents(List.of(CgroupParents.DEFAULT, "/kubepods/burstable"));
        assertEquals("/system.slice/berth-" + id + ".scope",
                parents.containerOf("/system.slice/berth-" + id + ".scope"));
        String pod = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/berth-" + id + ".scope";
        assertEquals(pod, parents.containerOf(pod + "/nested"));
        assertNull(parents.containerOf("/system.slice/berth-shim-0123456789ab.scope"), "a shim's scope");
        assertNull(parents.containerOf("/system.slice/berthd.service"));
        assertNull(parents.containerOf("/system.slice/berth-" + id.substring(1) + ".scope"), "not a container id");
        assertNull(parents.containerOf("/system.slice/other-" + id + ".scope"), "another prefix");
        assertNull(new CgroupParents(List.of("/a/b")).containerOf("/system.slice/b-" + id + ".scope"),
                "a nested parent is no scope prefix");
    }

    @Test
    void threadStateSurvivesOddCommandNames() throws IOException {
        Path d = Files.createDirectories(proc.resolve("42"));
        Files.writeString(d.resolve("stat"), "42 (a) b (c) D 1 42 42 0");
        assertEquals('D', new ProcFs(proc).threadState(42));
        assertEquals('?', new ProcFs(proc).threadState(43));
    }
}
