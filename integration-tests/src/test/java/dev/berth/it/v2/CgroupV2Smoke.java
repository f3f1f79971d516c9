package dev.berth.it.v2;

import static dev.berth.testing.Await.eventually;
import static dev.berth.it.support.BerthHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.CgroupManager;
import dev.berth.cgroups.factory.CgroupManagers;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Pressure;
import dev.berth.cgroups.Resources;
import dev.berth.cgroups.systemd.SystemdCgroupsPath;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.GuestSteps;
import dev.berth.it.support.RuncBusybox;
import dev.berth.it.systemd.SystemdDriverGuest;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.cgroup.CgroupSource;
import dev.berth.viewfs.view.DeviceIo;
import dev.berth.viewfs.view.MeminfoView;
import dev.berth.viewfs.view.MemorySnapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The cgroup v2 smoke suite, run by run-in-vm.sh inside a QEMU guest with systemd as PID 1 and a
 * unified hierarchy with real controllers (for {@link CgroupV2VmIT}). The guest is 30-50x slower
 * than the host, so this is one JVM, a plain main, and only Berth's cgroups and viewfs classes on
 * the path: runc containers at the paths Berth's drivers hand out, checked through the drivers and
 * the files. It also records the v2 files Berth reads into {@code args[0]}, for the host's unit tests.
 */
public final class CgroupV2Smoke {
    static final String RUNC_ROOT = "/run/berth-v2smoke/runc";
    /** On the guest's disk, not a tmpfs: the stats step counts a container's writes in io.stat. */
    static final Path BUNDLES = Path.of("/var/lib/berth-v2smoke/bundles");
    static final Path MOUNT = Path.of("/sys/fs/cgroup");
    static final long MIB = 1024 * 1024;
    /** What Berth reads from a container's cgroup2 directory and its parents. */
    static final List<String> RECORDED = List.of("cgroup.controllers", "cgroup.subtree_control", "cgroup.procs",
            "cgroup.threads", "cpu.max", "cpu.weight", "cpu.stat", "cpu.pressure", "cpuset.cpus",
            "cpuset.cpus.effective", "cpuset.mems", "cpuset.mems.effective", "io.stat", "io.pressure",
            "memory.current", "memory.max", "memory.swap.current", "memory.swap.max", "memory.stat", "memory.events",
            "memory.pressure", "pids.current", "pids.max");

    private final CgroupLayout layout;
    private final Path record;
    private final RuncBusybox runc = new RuncBusybox(RUNC_ROOT, BUNDLES);
    private CgroupManager cgroupfs;

    private CgroupV2Smoke(CgroupLayout layout, Path record) {
        this.layout = layout;
        this.record = record;
    }

    public static void main(String[] args) throws Exception {
        GuestSteps.requireGuest(CgroupV2Smoke.class, "BERTH_V2_GUEST");
        if (args.length != 1) {
            System.err.println("usage: CgroupV2Smoke RECORD_DIR");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        CgroupV2Smoke t = new CgroupV2Smoke(CgroupDetector.detect(), Path.of(args[0]));
        System.out.printf("layout %s, controllers %s, in %d ms%n", t.layout.mode(), t.layout.v2Controllers(),
                (System.nanoTime() - t0) / 1_000_000);
        GuestSteps steps = new GuestSteps()
                .add("unified layout with the controllers Berth limits", t::layout)
                .add("systemd driver: scope with limits, update, remove", t::systemdScope)
                .add("cgroupfs driver: limits, update, stats, views, remove", t::cgroupfs)
                .add("OOM kill seen through memory.events", t::oom);
        if (Boolean.getBoolean("berth.it.v2.berthd")) {
            steps.add("berthd: limits on the container's scope, OOM kill reported by the shim", CgroupV2Smoke::berthd);
        } else {
            System.out.println("not run: berthd in the emulated guest (about 10 min; BERTH_V2_BERTHD=true runs it)");
        }
        System.exit(steps.run(t.runc::close));
    }

    void layout() throws IOException {
        assertEquals(CgroupMode.V2, layout.mode());
        assertEquals(MOUNT, layout.unifiedMount());
        assertTrue(layout.v2Controllers().containsAll(List.of("cpu", "cpuset", "io", "memory", "pids")),
                "controllers " + layout.v2Controllers());
        cgroupfs = CgroupManagers.create(CgroupManagers.CGROUPFS, layout);
        // the inputs of CgroupDetector.detect(mountinfo, cgroups, self-cgroup) on a real v2 host
        Path proc = Files.createDirectories(record.resolve("proc"));
        Files.writeString(proc.resolve("mountinfo"), Files.readString(Path.of("/proc/self/mountinfo")));
        Files.writeString(proc.resolve("cgroups"), Files.readString(Path.of("/proc/cgroups")));
        Files.writeString(proc.resolve("self-cgroup"), Files.readString(Path.of("/proc/self/cgroup")));
        Files.writeString(proc.resolve("meminfo"), Files.readString(Path.of("/proc/meminfo")));
    }

    /** a) runc --systemd-cgroup at the systemd driver's path: the scope carries the limits, updates and goes. */
    void systemdScope() throws Exception {
        CgroupManager systemd = CgroupManagers.create(CgroupManagers.SYSTEMD, layout);
        String id = "v2sd1";
        String path = systemd.cgroupsPath(null, id);
        assertEquals("system.slice:berth:" + id, path);
        String scope = SystemdCgroupsPath.parse(path).unitName();
        Path dir = MOUNT.resolve("system.slice").resolve(scope);
        runc.run(id, path, true, "\"memory\": {\"limit\": " + 64 * MIB + "}, \"cpu\": {\"quota\": 50000, \"period\": 100000},"
                + " \"pids\": {\"limit\": 32},", false, "/bin/sleep", "600");
        Map<String, String> unit = SystemdDriverGuest.show(scope, "ActiveState", "Delegate", "MemoryMax",
                "CPUQuotaPerSecUSec", "TasksMax");
        assertEquals("active", unit.get("ActiveState"));
        assertEquals("yes", unit.get("Delegate"));
        assertEquals(Long.toString(64 * MIB), unit.get("MemoryMax"));
        assertEquals("500ms", unit.get("CPUQuotaPerSecUSec"));
        assertEquals("32", unit.get("TasksMax"));
        assertEquals(Long.toString(64 * MIB), file(dir, "memory.max"));
        assertEquals("50000 100000", file(dir, "cpu.max"));
        assertEquals("32", file(dir, "pids.max"));
        assertTrue(systemd.pids(path).contains(runc.initPid(id)), "the scope holds the container's init");
        CgroupStats stats = systemd.stats(path);
        assertEquals(64 * MIB, stats.memoryLimit());
        assertEquals(32, stats.pidsLimit());

        systemd.update(path, new Resources(128 * MIB, 192 * MIB, 512L, 150_000L, 100_000L, "1", null, 64L));
        unit = SystemdDriverGuest.show(scope, "MemoryMax", "MemorySwapMax", "CPUWeight", "CPUQuotaPerSecUSec",
                "AllowedCPUs", "TasksMax");
        assertEquals(Long.toString(128 * MIB), unit.get("MemoryMax"));
        assertEquals(Long.toString(64 * MIB), unit.get("MemorySwapMax"), "memory+swap minus memory");
        assertEquals(Long.toString(Resources.sharesToWeight(512)), unit.get("CPUWeight"));
        assertEquals("1.500000s", unit.get("CPUQuotaPerSecUSec"));
        assertEquals("1", unit.get("AllowedCPUs"));
        assertEquals("64", unit.get("TasksMax"));
        assertEquals(Long.toString(128 * MIB), file(dir, "memory.max"));
        assertEquals(Long.toString(64 * MIB), file(dir, "memory.swap.max"));
        assertEquals(Long.toString(Resources.sharesToWeight(512)), file(dir, "cpu.weight"));
        assertEquals("150000 100000", file(dir, "cpu.max"));
        assertEquals("1", file(dir, "cpuset.cpus.effective"));
        assertEquals("64", file(dir, "pids.max"));
        // systemd re-applies its unit's values on daemon-reload: they are the updated ones
        run("systemctl", "daemon-reload");
        assertEquals(Long.toString(128 * MIB), file(dir, "memory.max"));
        assertEquals("150000 100000", file(dir, "cpu.max"));
        assertEquals("64", file(dir, "pids.max"));
        record("systemd", dir);

        runc.delete(id, true);
        systemd.remove(path);
        assertFalse(systemd.exists(path));
        assertFalse(Files.exists(dir), "scope directory left: " + dir);
        assertEquals("inactive", SystemdDriverGuest.show(scope, "ActiveState").get("ActiveState"));
    }

    /**
     * b) the cgroupfs driver with the same limits, d) stats from the v2 files of a container that
     * wrote to disk and used CPU, e) the resource views computed from its cgroup before and after an update.
     */
    void cgroupfs() throws Exception {
        String id = "v2fs1";
        String path = cgroupfs.cgroupsPath(null, id);
        assertEquals("/berth/" + id, path);
        Path dir = MOUNT.resolve("berth").resolve(id);
        runc.run(id, path, false, "\"memory\": {\"limit\": " + 96 * MIB + "}, \"cpu\": {\"quota\": 150000, \"period\": 100000},"
                + " \"pids\": {\"limit\": 32},", true, "/bin/sh", "-c",
                "dd if=/dev/zero of=/data bs=1M count=8 conv=fsync 2>/dev/null; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done;"
                        + " touch /done; exec sleep 600");
        assertEquals(Long.toString(96 * MIB), file(dir, "memory.max"));
        assertEquals("150000 100000", file(dir, "cpu.max"));
        assertEquals("32", file(dir, "pids.max"));
        assertTrue(eventually(() -> Files.exists(runc.rootfs(id).resolve("done")), 120_000), "the container's work did not end");

        CgroupStats s = cgroupfs.stats(path);
        System.out.println("stats: " + s);
        assertTrue(s.cpuUsageNanos() > 0 && s.cpuUserNanos() > 0, "cpu.stat usage");
        assertTrue(s.cpuUserNanos() + s.cpuSystemNanos() <= s.cpuUsageNanos() * 11 / 10, "user + system ~ usage");
        assertTrue(s.memoryUsage() > 0 && s.memoryUsage() <= 96 * MIB, "memory.current");
        assertEquals(96 * MIB, s.memoryLimit());
        assertTrue(s.memoryWorkingSet() > 0 && s.memoryWorkingSet() <= s.memoryUsage(), "working set");
        assertTrue(s.memoryCache() >= 0, "memory.stat file");
        assertEquals(1, s.pidsCurrent(), "only sleep is left");
        assertEquals(32, s.pidsLimit());
        assertEquals(0, s.oomKillCount());
        Pressure psi = cgroupfs.pressure(path).orElseThrow();
        System.out.println("psi: " + psi);
        for (double avg : new double[] {psi.cpuSomeAvg10(), psi.memorySomeAvg10(), psi.ioSomeAvg10()}) {
            assertTrue(avg >= 0 && avg <= 100, "PSI avg10 " + avg);
        }
        CgroupSource views = CgroupSource.forLayout(layout);
        ContainerCgroup c = new ContainerCgroup(path, Map.of());
        Map<String, DeviceIo> io = views.io(c);
        System.out.println("io.stat: " + io);
        assertTrue(io.values().stream().anyMatch(d -> d.writeBytes() >= 8 * MIB), "8 MiB written with fsync: " + io);
        assertTrue(views.pressure(c, "cpu").startsWith("some avg10="), "cpu.pressure");

        String hostMeminfo = Files.readString(Path.of("/proc/meminfo"));
        assertEquals("0-1", file(dir, "cpuset.cpus.effective"), "the guest has 2 CPUs (SYSD_VM_SMP=2)");
        assertEquals(List.of(0, 1), views.cpu(c).visibleCpus(List.of(0, 1)), "1.5 CPUs of quota: 2 visible");
        assertEquals(96 * 1024, memTotalKb(MeminfoView.render(hostMeminfo, views.memory(c))));
        record("cgroupfs", dir);

        cgroupfs.update(path, new Resources(48 * MIB, 48 * MIB, null, 50_000L, 100_000L, null, null, 16L));
        assertEquals(Long.toString(48 * MIB), file(dir, "memory.max"));
        assertEquals("0", file(dir, "memory.swap.max"));
        assertEquals("50000 100000", file(dir, "cpu.max"));
        assertEquals("16", file(dir, "pids.max"));
        assertEquals(List.of(0), views.cpu(c).visibleCpus(List.of(0, 1)), "half a CPU of quota: 1 visible");
        MemorySnapshot m = views.memory(c);
        assertEquals(0, m.swapLimit(), "memory.swap.max 0");
        assertEquals(48 * 1024, memTotalKb(MeminfoView.render(hostMeminfo, m)));
        cgroupfs.update(path, Resources.ofCpuset("1", null));
        assertEquals("1", file(dir, "cpuset.cpus.effective"));
        assertEquals(List.of(1), views.cpu(c).visibleCpus(List.of(0, 1)), "cpuset.cpus.effective");

        runc.delete(id, false);
        cgroupfs.remove(path);
        assertFalse(Files.exists(dir), "cgroup left: " + dir);
        assertFalse(cgroupfs.exists(path));
    }

    /** c) a container that allocates past memory.max is OOM-killed; Berth counts it from memory.events. */
    void oom() throws Exception {
        String id = "v2oom1";
        String path = cgroupfs.cgroupsPath(null, id);
        Path dir = MOUNT.resolve("berth").resolve(id);
        // no swap to escape to: memory+swap = memory
        runc.run(id, path, false, "\"memory\": {\"limit\": " + 32 * MIB + ", \"swap\": " + 32 * MIB + "},", false,
                "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
        assertTrue(runc.stopsWithin(id, 120_000), "the container is still running");
        assertEquals(1, cgroupfs.oomKillCount(path), "memory.events: " + file(dir, "memory.events"));
        assertEquals(1, cgroupfs.stats(path).oomKillCount());
        record("oom", dir);
        runc.delete(id, false);
        cgroupfs.remove(path);
        assertFalse(Files.exists(dir), "cgroup left: " + dir);
    }

    /**
     * The real daemon with its default (systemd) driver, started as the other end-to-end tests start
     * it (needs the shim, the built-in image and the CLI built: skipped otherwise): the container's
     * limits on its scope, and an OOM kill the shim detects from memory.events at the container's exit.
     * Only on request (BERTH_V2_BERTHD=true for run-in-vm.sh): emulated, berthd takes 3-4 min to serve
     * and the step about 10 min, more than the rest of the suite with the boot.
     */
    static void berthd() throws Exception {
        try (BerthHarness berth = new BerthHarness()) {
            String id = berth.ok("run", "-d", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50", "busybox",
                    "sleep", "600");
            String path = inspect(berth, id).get("cgroupsPath").asText();
            assertEquals("system.slice:" + berth.cgroupParent() + ":" + id, path);
            Path dir = MOUNT.resolve("system.slice").resolve(SystemdCgroupsPath.parse(path).unitName());
            assertEquals(Long.toString(64 * MIB), file(dir, "memory.max"));
            assertEquals("50000 100000", file(dir, "cpu.max"));
            assertEquals("50", file(dir, "pids.max"));
            berth.ok("rm", "-f", id);
            assertFalse(Files.exists(dir), "cgroup left: " + dir);

            BerthHarness.Result r = berth.berth("run", "--name", "hog", "--memory", "32m", "busybox", "dd",
                    "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
            assertEquals(137, r.exitCode(), r.stderr());
            JsonNode state = inspect(berth, "hog").get("state");
            assertTrue(state.get("oomKilled").asBoolean(), state.toString());
            assertEquals("OOMKilled", state.get("reason").asText());
            berth.ok("rm", "hog");
        }
    }

    private static JsonNode inspect(BerthHarness berth, String name) throws Exception {
        JsonNode n = new ObjectMapper().readTree(berth.ok("inspect", name));
        return n.isArray() ? n.get(0) : n;
    }

    private static String file(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name)).strip();
    }

    /** The MemTotal figure of a rendered /proc/meminfo, in kB. */
    private static long memTotalKb(String meminfo) {
        String line = meminfo.lines().filter(l -> l.startsWith("MemTotal:")).findFirst().orElseThrow();
        return Long.parseLong(line.substring("MemTotal:".length()).replace("kB", "").strip());
    }

    /**
     * Copies the files Berth reads from {@code dir} and every parent up to the mount into
     * {@code <record>/<name>/cgroup/<same relative path>}.
     */
    private void record(String name, Path dir) throws IOException {
        for (Path d = dir; d.startsWith(MOUNT); d = d.getParent()) {
            Path to = Files.createDirectories(record.resolve(name).resolve("cgroup").resolve(MOUNT.relativize(d).toString()));
            for (String f : RECORDED) {
                if (Files.isRegularFile(d.resolve(f))) {
                    Files.writeString(to.resolve(f), Files.readString(d.resolve(f)));
                }
            }
        }
    }
}
