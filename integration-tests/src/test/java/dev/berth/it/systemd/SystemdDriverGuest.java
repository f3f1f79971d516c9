package dev.berth.it.systemd;

import static dev.berth.testing.Await.eventually;
import static dev.berth.it.support.BerthHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cgroups.CgroupDetector;
import dev.berth.cgroups.CgroupLayout;
import dev.berth.cgroups.factory.CgroupManagers;
import dev.berth.cgroups.CgroupMode;
import dev.berth.cgroups.CgroupStats;
import dev.berth.cgroups.Resources;
import dev.berth.cgroups.systemd.SystemdCgroupManager;
import dev.berth.cgroups.systemd.SystemdCgroupsPath;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.GuestSteps;
import dev.berth.it.support.RuncBusybox;
import dev.berth.oci.BerthException;

import dev.berth.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The systemd cgroup driver against a real systemd (PID 1) on the v1 hybrid layout: run inside the
 * nspawn guest by run-in-nspawn.sh (for {@link SystemdDriverIT}), never on the bare host; the steps run
 * through {@link GuestSteps}. Exit code 0 when every step passed.
 */
public final class SystemdDriverGuest {
    static final String RUNC_ROOT = "/run/berth-sysd-it/runc";
    static final Path BUNDLES = Path.of("/run/berth-sysd-it/bundles");
    static final long MIB = 1024 * 1024;

    private final SystemdCgroupManager cgroups;
    private final CgroupLayout layout;
    private final RuncBusybox runc = new RuncBusybox(RUNC_ROOT, BUNDLES);
    /** What to undo at the end whatever happened: units, pids. */
    private final List<String> units = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private SystemdDriverGuest(CgroupLayout layout, SystemdCgroupManager cgroups) {
        this.layout = layout;
        this.cgroups = cgroups;
    }

    public static void main(String[] args) throws Exception {
        GuestSteps.requireGuest(SystemdDriverGuest.class, "BERTH_SYSTEMD_GUEST");
        long t0 = System.nanoTime();
        CgroupLayout layout = CgroupDetector.detect();
        SystemdDriverGuest t = new SystemdDriverGuest(layout,
                (SystemdCgroupManager) CgroupManagers.create(CgroupManagers.defaultDriver(), layout));
        System.out.printf("connected to systemd in %d ms, layout %s%n", (System.nanoTime() - t0) / 1_000_000,
                layout.mode());
        System.exit(new GuestSteps()
                .add("runc container in a scope with limits, update, remove", t::containerScopeLifecycle)
                .add("moveToScope of a process, and a bad pid", t::moveToScope)
                .add("pod slice holds a scope, removing it stops the scope", t::podSlice)
                .add("reconnect after dbus restarts", t::reconnectAfterDbusRestart)
                .add("berthd with the default (systemd) driver: limits, update, rm", SystemdDriverGuest::berthd)
                .run(t::cleanUp));
    }

    void containerScopeLifecycle() throws Exception {
        assertEquals(CgroupMode.HYBRID, layout.mode(), "nspawn v1 gives the host's hybrid layout");
        String id = "sdtest1";
        String path = cgroups.cgroupsPath(null, id);
        assertEquals("system.slice:berth:" + id, path);
        String scope = SystemdCgroupsPath.parse(path).unitName();
        String dir = "system.slice/" + scope;

        runc.run(id, path, true, "\"memory\": {\"limit\": " + 64 * MIB + "}, \"cpu\": {\"quota\": 50000, \"period\": 100000},"
                + " \"pids\": {\"limit\": 32},", false, "/bin/sleep", "600");
        Map<String, String> unit = show(scope, "ActiveState", "Delegate", "MemoryLimit", "CPUQuotaPerSecUSec", "TasksMax");
        assertEquals("active", unit.get("ActiveState"));
        assertEquals("yes", unit.get("Delegate"));
        assertEquals(Long.toString(64 * MIB), unit.get("MemoryLimit"));
        assertEquals("500ms", unit.get("CPUQuotaPerSecUSec"));
        assertEquals("32", unit.get("TasksMax"));
        assertEquals(Long.toString(64 * MIB), file("memory", dir, "memory.limit_in_bytes"));
        assertEquals("50000", file("cpu", dir, "cpu.cfs_quota_us"));
        assertEquals("32", file("pids", dir, "pids.max"));

        // reads through the driver: the scope's directories found from the cgroupsPath alone
        assertTrue(cgroups.exists(path));
        int init = runc.initPid(id);
        assertTrue(cgroups.pids(path).contains(init), "pids " + cgroups.pids(path) + " hold the container's " + init);
        CgroupStats stats = cgroups.stats(path);
        assertEquals(64 * MIB, stats.memoryLimit());
        assertEquals(32, stats.pidsLimit());
        assertTrue(stats.pidsCurrent() >= 1 && stats.memoryUsage() > 0, stats.toString());
        assertEquals(0, cgroups.oomKillCount(path));

        // a live update reaches both the unit and the files
        long t = System.nanoTime();
        cgroups.update(path, new Resources(128 * MIB, null, 512L, 150_000L, 100_000L, "0", null, 64L));
        System.out.printf("update through systemd and the files: %.1f ms%n", (System.nanoTime() - t) / 1e6);
        unit = show(scope, "MemoryLimit", "CPUShares", "CPUQuotaPerSecUSec", "CPUQuotaPeriodUSec", "TasksMax");
        assertEquals(Long.toString(128 * MIB), unit.get("MemoryLimit"));
        assertEquals("512", unit.get("CPUShares"));
        assertEquals("1.500000s", unit.get("CPUQuotaPerSecUSec"));
        assertEquals("100ms", unit.get("CPUQuotaPeriodUSec"));
        assertEquals("64", unit.get("TasksMax"));
        assertEquals(Long.toString(128 * MIB), file("memory", dir, "memory.limit_in_bytes"));
        assertEquals("512", file("cpu", dir, "cpu.shares"));
        assertEquals("150000", file("cpu", dir, "cpu.cfs_quota_us"));
        assertEquals("100000", file("cpu", dir, "cpu.cfs_period_us"));
        assertEquals("64", file("pids", dir, "pids.max"));
        assertEquals("0", file("cpuset", dir, "cpuset.cpus"), "systemd has no cpuset on v1: the file write does it");
        // systemd re-applies its unit's values on daemon-reload: they are the updated ones
        run("systemctl", "daemon-reload");
        assertEquals(Long.toString(128 * MIB), file("memory", dir, "memory.limit_in_bytes"));
        assertEquals("150000", file("cpu", dir, "cpu.cfs_quota_us"));
        assertEquals("64", file("pids", dir, "pids.max"));
        // bad input changes nothing
        assertThrows(BerthException.class, () -> cgroups.update(path, Resources.ofCpuset("3-1", null)));
        assertEquals("0", file("cpuset", dir, "cpuset.cpus"));
        BerthException missing = assertThrows(BerthException.class,
                () -> cgroups.update("system.slice:berth:nosuch", Resources.ofPids(5)));
        assertEquals(BerthException.Kind.NOT_FOUND, missing.kind());

        // Berth's order: the runtime deletes the container, then the driver removes the cgroup
        runc.delete(id, true);
        cgroups.remove(path);
        assertFalse(cgroups.exists(path));
        assertEquals("inactive", show(scope, "ActiveState").get("ActiveState"));
        assertEquals(List.of(), leftoverDirs(dir));
        cgroups.remove(path); // absent is fine
    }

    void moveToScope() throws Exception {
        Process sleeper = sleeper();
        String scope = "berth-shim-sdtest.scope";
        units.add(scope);
        long t = System.nanoTime();
        cgroups.moveToScope(scope, "system.slice", sleeper.pid());
        System.out.printf("moveToScope (StartTransientUnit + JobRemoved): %.1f ms%n", (System.nanoTime() - t) / 1e6);
        Map<String, String> unit = show(scope, "ActiveState", "Delegate", "DefaultDependencies", "Slice");
        assertEquals("active", unit.get("ActiveState"));
        assertEquals("yes", unit.get("Delegate"));
        assertEquals("no", unit.get("DefaultDependencies"));
        assertEquals("system.slice", unit.get("Slice"));
        String cg = Files.readString(Path.of("/proc/" + sleeper.pid() + "/cgroup"));
        assertTrue(cg.contains(":name=systemd:/system.slice/" + scope), cg);
        assertTrue(cg.contains(":memory:/system.slice/" + scope), cg);
        assertTrue(cg.contains("::/system.slice/" + scope), cg);

        // the scope is the process's: when it exits the scope goes
        sleeper.destroyForcibly().waitFor();
        assertTrue(eventually(() -> !"active".equals(show(scope, "ActiveState").get("ActiveState")), 10_000));

        BerthException noPid = assertThrows(BerthException.class,
                () -> cgroups.moveToScope("berth-shim-nopid.scope", "system.slice", 999_999));
        assertTrue(noPid.getMessage().contains("berth-shim-nopid.scope"), noPid.getMessage());
        assertEquals("inactive", show("berth-shim-nopid.scope", "ActiveState").get("ActiveState"));
        assertThrows(BerthException.class, () -> cgroups.moveToScope("bad name.scope", "system.slice", 1));
        System.out.printf("moveToScope, warm, median of 10: %.1f ms%n", medianMoveToScopeMillis(10));
        assertThrows(BerthException.class, () -> cgroups.moveToScope("berth-x.scope", "nota-slice", 1));
    }

    /** A figure for the report, not a check: one shim scope per container start. */
    private double medianMoveToScopeMillis(int runs) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            Process p = sleeper();
            String scope = "berth-shim-timing" + i + ".scope";
            units.add(scope);
            long t = System.nanoTime();
            cgroups.moveToScope(scope, "system.slice", p.pid());
            ms[i] = (System.nanoTime() - t) / 1e6;
            p.destroyForcibly().waitFor();
        }
        java.util.Arrays.sort(ms);
        return ms[runs / 2];
    }

    void podSlice() throws Exception {
        String slice = "berthtest-pod1.slice";
        cgroups.checkPodParent(slice);
        BerthException wrongDriver = assertThrows(BerthException.class, () -> cgroups.checkPodParent("/kubepods/pod1"));
        assertTrue(wrongDriver.getMessage().contains("kubelet's cgroupDriver"), wrongDriver.getMessage());
        units.add(slice);
        cgroups.createSlice(slice, Resources.ofMemory(256 * MIB));
        Map<String, String> unit = show(slice, "ActiveState", "MemoryLimit", "Wants");
        assertEquals("active", unit.get("ActiveState"));
        assertEquals(Long.toString(256 * MIB), unit.get("MemoryLimit"));
        assertEquals("berthtest.slice", unit.get("Wants"));
        String sliceDir = "berthtest.slice/" + slice;
        assertEquals(Long.toString(256 * MIB), file("memory", sliceDir, "memory.limit_in_bytes"));

        Process member = sleeper();
        String path = cgroups.cgroupsPath(slice, "podc1");
        assertEquals(slice + ":berth:podc1", path);
        cgroups.moveToScope(SystemdCgroupsPath.parse(path).unitName(), slice, member.pid());
        assertTrue(cgroups.pids(path).contains((int) member.pid()), "the pod's scope holds the process");

        cgroups.removeSlice(slice);
        assertTrue(member.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "stopping the slice stops its scope");
        assertFalse(cgroups.exists(path));
        assertEquals(List.of(), leftoverDirs(sliceDir));
        cgroups.removeSlice(slice); // absent is fine
    }

    void reconnectAfterDbusRestart() throws Exception {
        run("systemctl", "restart", "dbus.service");
        assertTrue(eventually(() -> "active".equals(show("dbus.service", "ActiveState").get("ActiveState")), 10_000));
        Process sleeper = sleeper();
        String scope = "berth-shim-reconnect.scope";
        units.add(scope);
        cgroups.moveToScope(scope, "system.slice", sleeper.pid());
        assertEquals("active", show(scope, "ActiveState").get("ActiveState"));
    }

    /**
     * The real daemon, started as the other end-to-end tests start it (needs the shim, the built-in
     * image and the CLI built: skipped otherwise): with systemd as PID 1 it picks the systemd driver by
     * default, so a container's limits must show up on its scope and in its cgroup files.
     */
    static void berthd() throws Exception {
        try (BerthHarness berth = new BerthHarness()) {
            String id = berth.ok("run", "-d", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50", "busybox",
                    "sleep", "600");
            JsonNode inspect = new ObjectMapper().readTree(berth.ok("inspect", id));
            String path = (inspect.isArray() ? inspect.get(0) : inspect).get("cgroupsPath").asText();
            assertEquals("system.slice:" + berth.cgroupParent() + ":" + id, path);
            String scope = SystemdCgroupsPath.parse(path).unitName();
            String dir = "system.slice/" + scope;
            Map<String, String> unit = show(scope, "ActiveState", "MemoryLimit", "CPUQuotaPerSecUSec", "TasksMax");
            assertEquals("active", unit.get("ActiveState"));
            assertEquals(Long.toString(64 * MIB), unit.get("MemoryLimit"));
            assertEquals("500ms", unit.get("CPUQuotaPerSecUSec"));
            assertEquals("50", unit.get("TasksMax"));
            Path memory = Path.of("/sys/fs/cgroup/memory", dir);
            assertEquals(Long.toString(64 * MIB), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
            // The shim leaves berthd's cgroup for a scope of its own (moved in the background after launch).
            long shimPid = (inspect.isArray() ? inspect.get(0) : inspect).get("shimPid").asLong();
            String shimScope = "berth-shim-" + id.substring(0, 12) + ".scope";
            assertTrue(Await.eventually(() -> {
                try {
                    return Files.readString(Path.of("/proc/" + shimPid + "/cgroup")).contains("/" + shimScope);
                } catch (IOException e) {
                    return false;
                }
            }, 10_000), "shim " + shimPid + " is not in " + shimScope);
            assertEquals("yes", show(shimScope, "Delegate").get("Delegate"));

            berth.ok("update", "--memory", "128m", "--cpus", "1.5", "--pids-limit", "70", id);
            unit = show(scope, "MemoryLimit", "CPUQuotaPerSecUSec", "TasksMax");
            assertEquals(Long.toString(128 * MIB), unit.get("MemoryLimit"));
            assertEquals("1.500000s", unit.get("CPUQuotaPerSecUSec"));
            assertEquals("70", unit.get("TasksMax"));
            assertEquals(Long.toString(128 * MIB), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
            assertEquals("150000", Files.readString(Path.of("/sys/fs/cgroup/cpu", dir, "cpu.cfs_quota_us")).strip());

            berth.ok("rm", "-f", id);
            assertEquals("inactive", show(scope, "ActiveState").get("ActiveState"));
            assertTrue(Files.notExists(memory), "cgroup left behind: " + memory);
        }
    }

    private Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "600").start();
        processes.add(p);
        return p;
    }

    /** `systemctl show` of the given properties. */
    public static Map<String, String> show(String unit, String... props) {
        List<String> cmd = new ArrayList<>(List.of("systemctl", "show", unit));
        for (String p : props) {
            cmd.add("-p");
            cmd.add(p);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : runQuiet(cmd.toArray(String[]::new)).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    private String file(String controller, String dir, String name) throws IOException {
        return Files.readString(layout.v1Mounts().get(controller).resolve(dir).resolve(name)).strip();
    }

    /** The cgroup's directory in any hierarchy that still has it. */
    private List<Path> leftoverDirs(String dir) {
        List<Path> left = new ArrayList<>();
        for (Path mount : layout.v1Mounts().values()) {
            if (Files.isDirectory(mount.resolve(dir))) {
                left.add(mount.resolve(dir));
            }
        }
        if (Files.isDirectory(layout.unifiedMount().resolve(dir))) {
            left.add(layout.unifiedMount().resolve(dir));
        }
        return left;
    }

    private static String runQuiet(String... cmd) {
        try {
            return run(cmd);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void cleanUp() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (String unit : units) {
            runQuiet("systemctl", "stop", unit);
        }
        runc.close();
    }
}
