package dev.berth.it.systemd;

import static dev.berth.it.support.BerthHarness.REPO;
import static dev.berth.testing.Await.eventually;
import static dev.berth.it.systemd.SystemdDriverGuest.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cgroups.systemd.SystemdCgroupsPath;
import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.CreateContainerRequest;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.LinuxContainerConfig;
import dev.berth.cri.v1.LinuxContainerResources;
import dev.berth.cri.v1.LinuxPodSandboxConfig;
import dev.berth.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.cri.v1.NamespaceMode;
import dev.berth.cri.v1.NamespaceOption;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.StartContainerRequest;
import dev.berth.cri.v1.StopPodSandboxRequest;
import dev.berth.cri.v1.UpdateContainerResourcesRequest;
import dev.berth.it.support.GuestSteps;
import dev.berth.it.support.CriChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * berthd as the systemd unit it ships as (contrib/systemd/berthd.service, unchanged; a drop-in only points
 * it at this checkout's jars), under a real systemd (PID 1) on the v1 hybrid layout, after the view server's
 * unit ({@link ViewfsServiceSteps}: its start, a container's view, its restart under a reader, its stop): start with READY=1,
 * containers with limits in their scopes, restart and SIGKILL of the unit with the containers living on
 * and re-adopted, reload of the log level, a CRI pod's slice and UpdateContainerResources, and the
 * watchdog restarting a hung berthd. Run inside the nspawn guest by run-in-nspawn.sh (for
 * {@link SystemdServiceIT}), never on the bare host: it installs the unit system-wide.
 */
public final class SystemdServiceGuest {
    static final String UNIT = "berthd.service";
    static final Path UNIT_FILE = Path.of("/etc/systemd/system", UNIT);
    static final Path DROP_INS = Path.of("/etc/systemd/system/berthd.service.d");
    static final Path CONFIG = Path.of("/etc/berth/berth.toml");
    static final Path LEVEL_DROP_IN = Path.of("/etc/berth/berth.toml.d/50-level.toml");
    static final Path CRI_SOCKET = Path.of("/run/berth/cri.sock");
    static final Path STATE_ROOT = Path.of("/var/lib/berth");
    static final long MIB = 1024 * 1024;
    /** A kubelet-style pod slice: kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podsvc1.slice. */
    static final String POD_SLICE = "kubepods-besteffort-podsvc1.slice";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ViewfsServiceSteps views = new ViewfsServiceSteps();

    /** The limited container the restart steps follow: its id and its init's pid. */
    private String limitedId;
    private int limitedPid;

    public static void main(String[] args) {
        GuestSteps.requireGuest(SystemdServiceGuest.class, "BERTH_SYSTEMD_GUEST");
        SystemdServiceGuest t = new SystemdServiceGuest();
        ViewfsServiceSteps views = t.views;
        System.exit(new GuestSteps()
                .add("install berth-viewfs.service: systemctl start returns with the mount serving (READY=1)",
                        views::installAndStart)
                .add("install the unit, systemctl start berthd reaches active (READY=1)", t::installAndStart)
                .add("container with --memory/--cpus/--pids-limit: scope properties and cgroup files", t::limitedContainer)
                .add("a --memory 64m container reads MemTotal 65536 kB from the view", views::containerReadsItsView)
                .add("systemctl restart berth-viewfs under a reader: healed, keeper outlived the server and was ended",
                        views::restartUnderAReader)
                .add("systemctl restart berthd: the container keeps its pid, is re-adopted, berth-viewfs untouched",
                        t::restart)
                .add("systemctl kill -s KILL berthd: Restart=on-failure, re-adopted, stop works", t::killAndStop)
                .add("systemctl reload berthd applies log_level from a drop-in", t::reloadLogLevel)
                .add("CRI pod: its slice holds its container, UpdateContainerResources, slice goes", t::criPodSlice)
                .add("watchdog: a hung (SIGSTOPped) berthd is restarted, its container lives on", t::watchdog)
                .add("stop berthd and berth-viewfs: no view mount and no keeper left", views::stopLeavesNothing)
                .run(t::cleanUp));
    }

    void installAndStart() throws Exception {
        Path launcher = Path.of("/usr/local/bin/berthd");
        Files.createDirectories(launcher.getParent());
        Files.deleteIfExists(launcher);
        Files.createSymbolicLink(launcher, REPO.resolve("daemon/src/main/sh/berthd"));
        Files.copy(REPO.resolve("contrib/systemd/berthd.service"), UNIT_FILE);
        // The launcher finds its jars next to an installed berthd; here they are the checkout's.
        dropIn("10-checkout.conf", "Environment=BERTH_DAEMON_LIB=" + REPO.resolve("daemon/target/lib"));
        Files.createDirectories(LEVEL_DROP_IN.getParent());
        // The guest's root is an overlayfs (nspawn --volatile=overlay), which cannot hold the upper
        // directories of the containers' overlay rootfs: berthd's default root goes on a tmpfs.
        Files.createDirectories(STATE_ROOT);
        must("mount", "-t", "tmpfs", "berth-state", STATE_ROOT.toString());
        Files.writeString(CONFIG, String.join("\n",
                "shim_path = \"" + REPO.resolve("shim/c/berth-shim") + "\"",
                "pause_path = \"" + REPO.resolve("shim/c/berth-pause") + "\"",
                "runtime = \"/usr/sbin/runc\"",
                "cgroup_manager = \"systemd\"",
                "builtin_image = \"" + REPO.resolve("build/images/busybox") + "\"",
                "log_level = \"info\"", ""));
        must("systemctl", "daemon-reload");
        long t = System.nanoTime();
        // Type=notify: start returns once READY=1 arrived (or fails)
        must("systemctl", "start", UNIT);
        System.out.printf("systemctl start berthd: %d ms%n", (System.nanoTime() - t) / 1_000_000);
        Map<String, String> unit = show(UNIT, "ActiveState", "SubState", "Type", "NRestarts", "MainPID", "StatusErrno");
        assertEquals("active", unit.get("ActiveState"), unit.toString());
        assertEquals("running", unit.get("SubState"));
        assertEquals("notify", unit.get("Type"));
        assertEquals("0", unit.get("NRestarts"));
        ViewfsServiceSteps.assertBerthdOrderedAfterViews();
        assertTrue(journal(mainPid(), null).contains("recovered "), "berthd logs its recovery to the journal");
        assertEquals("", berth("ps", "-q"), "a fresh berthd has no containers");
    }

    void limitedContainer() throws Exception {
        limitedId = berth("run", "-d", "--name", "svc1", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50",
                "busybox", "sleep", "600");
        JsonNode c = inspect(limitedId);
        limitedPid = c.path("state").path("pid").asInt();
        assertTrue(limitedPid > 0, c.toString());
        String path = c.path("cgroupsPath").asText();
        assertEquals("system.slice:berth:" + limitedId, path);
        String scope = SystemdCgroupsPath.parse(path).unitName();
        Map<String, String> unit = show(scope, "ActiveState", "Delegate", "Slice", "MemoryLimit", "CPUQuotaPerSecUSec",
                "TasksMax");
        assertEquals("active", unit.get("ActiveState"));
        assertEquals("yes", unit.get("Delegate"));
        assertEquals("system.slice", unit.get("Slice"));
        assertEquals(Long.toString(64 * MIB), unit.get("MemoryLimit"));
        assertEquals("500ms", unit.get("CPUQuotaPerSecUSec"));
        assertEquals("50", unit.get("TasksMax"));
        String dir = "system.slice/" + scope;
        assertEquals(Long.toString(64 * MIB), file("memory", dir, "memory.limit_in_bytes"));
        assertEquals("50000", file("cpu", dir, "cpu.cfs_quota_us"));
        assertEquals("50", file("pids", dir, "pids.max"));
        assertTrue(file("memory", dir, "cgroup.procs").lines().toList().contains(Integer.toString(limitedPid)));
        // the shim left berthd.service for a scope of its own, so restarting the unit cannot touch it
        long shimPid = c.path("shimPid").asLong();
        assertTrue(eventually(() -> !procCgroup(shimPid).contains(UNIT) && procCgroup(shimPid).contains("/berth-shim-"),
                10_000), "shim " + shimPid + " still in " + UNIT + ": " + procCgroup(shimPid));
    }

    void restart() throws Exception {
        long before = mainPid();
        long viewServer = ViewfsServiceSteps.mainPid();
        must("systemctl", "restart", UNIT);
        assertEquals("active", show(UNIT, "ActiveState").get("ActiveState"));
        assertNotEquals(before, mainPid(), "a new berthd");
        assertReadopted(limitedId, limitedPid);
        assertEquals(viewServer, ViewfsServiceSteps.mainPid(), "berth-viewfs restarted with berthd");
        assertEquals("active", show(ViewfsServiceSteps.UNIT, "ActiveState").get("ActiveState"));
    }

    void killAndStop() throws Exception {
        long before = mainPid();
        int restarts = restarts();
        must("systemctl", "kill", "-s", "KILL", UNIT);
        // RestartSec=2, then a JVM start and recovery before READY=1
        assertTrue(eventually(() -> restarts() == restarts + 1 && "active".equals(show(UNIT, "ActiveState")
                .get("ActiveState")), 60_000), "not restarted: " + show(UNIT, "ActiveState", "Result", "NRestarts"));
        assertNotEquals(before, mainPid());
        assertReadopted(limitedId, limitedPid);

        String scope = "berth-" + limitedId + ".scope";
        berth("stop", "-t", "1", limitedId);
        assertEquals("exited", inspect(limitedId).path("state").path("status").asText());
        assertFalse(Files.exists(Path.of("/proc/" + limitedPid)), "the container's init is gone");
        berth("rm", limitedId);
        assertEquals("inactive", show(scope, "ActiveState").get("ActiveState"));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/system.slice", scope)), "scope directory left");
    }

    void reloadLogLevel() throws Exception {
        long pid = mainPid();
        berth("ps");
        assertFalse(journal(pid, 7).contains("GET /v1/containers"), "debug lines at level info");
        Files.writeString(LEVEL_DROP_IN, "log_level = \"debug\"\n");
        must("systemctl", "reload", UNIT);
        assertTrue(eventually(() -> journal(pid, 6).contains("reload config: log_level info -> debug"), 10_000),
                "no reload in the journal:\n" + journal(pid, null));
        berth("ps");
        assertTrue(eventually(() -> journal(pid, 7).contains("ApiHandler: GET /v1/containers"), 10_000),
                "no debug line (priority 7) after the reload:\n" + journal(pid, null));
        assertEquals(pid, mainPid(), "a reload is not a restart");
        assertEquals("active", show(UNIT, "ActiveState").get("ActiveState"));
    }

    void criPodSlice() throws Exception {
        CriChannel cri = new CriChannel(CRI_SOCKET);
        try {
            RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS);
            PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName("svcpod").setNamespace("default")
                            .setUid("svc1").setAttempt(0))
                    .setHostname("svcpod")
                    .setLogDirectory("/var/log/pods/svcpod")
                    // the host's network: the guest has no CNI plugins, and the slice is what is checked
                    .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(POD_SLICE)
                            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                    NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                    .build();
            String podId = rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
            Map<String, String> slice = show(POD_SLICE, "ActiveState", "Slice");
            assertEquals("active", slice.get("ActiveState"));
            assertEquals("kubepods-besteffort.slice", slice.get("Slice"));

            String id = rt.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId).setSandboxConfig(pod)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("app"))
                            .setImage(ImageSpec.newBuilder().setImage("localhost/busybox:latest"))
                            .addAllCommand(List.of("sleep", "600")).setLogPath("app.log")
                            .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                                    .setMemoryLimitInBytes(64 * MIB).setCpuQuota(50_000).setCpuPeriod(100_000))))
                    .build()).getContainerId();
            rt.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            String scope = "berth-" + id + ".scope";
            Map<String, String> unit = show(scope, "ActiveState", "Slice", "MemoryLimit", "CPUQuotaPerSecUSec");
            assertEquals("active", unit.get("ActiveState"));
            assertEquals(POD_SLICE, unit.get("Slice"), "the pod's slice holds its container");
            assertEquals(Long.toString(64 * MIB), unit.get("MemoryLimit"));
            String sliceDir = "kubepods.slice/kubepods-besteffort.slice/" + POD_SLICE;
            String dir = sliceDir + "/" + scope;
            assertEquals(Long.toString(64 * MIB), file("memory", dir, "memory.limit_in_bytes"));
            assertFalse(file("memory", dir, "cgroup.procs").isBlank(), "the scope holds the container's processes");

            rt.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                    .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(128 * MIB)
                            .setCpuQuota(150_000).setCpuPeriod(100_000)).build());
            unit = show(scope, "MemoryLimit", "CPUQuotaPerSecUSec");
            assertEquals(Long.toString(128 * MIB), unit.get("MemoryLimit"));
            assertEquals("1.500000s", unit.get("CPUQuotaPerSecUSec"));
            assertEquals(Long.toString(128 * MIB), file("memory", dir, "memory.limit_in_bytes"));
            assertEquals("150000", file("cpu", dir, "cpu.cfs_quota_us"));

            rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
            rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
            assertEquals("inactive", show(POD_SLICE, "ActiveState").get("ActiveState"));
            assertEquals("inactive", show(scope, "ActiveState").get("ActiveState"));
            assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", sliceDir)), "slice directory left: " + sliceDir);
        } finally {
            try {
                cri.removeAllPods();
            } catch (RuntimeException e) {
                // reported, but not in place of the failure that left the pod behind
                System.out.println("clean-up of the CRI pods: " + e);
            }
            cri.close();
        }
    }

    void watchdog() throws Exception {
        String id = berth("run", "-d", "--name", "wd1", "busybox", "sleep", "600");
        int pid = inspect(id).path("state").path("pid").asInt();
        // A short WatchdogSec for the test; no core file from the SIGABRT systemd sends a hung service.
        dropIn("20-watchdog.conf", "WatchdogSec=3s\nLimitCORE=0");
        must("systemctl", "daemon-reload");
        must("systemctl", "restart", UNIT);
        assertEquals("3s", show(UNIT, "WatchdogUSec").get("WatchdogUSec"));
        long pinging = mainPid();
        // a berthd that answers is not restarted: its pings arrive within 3 s
        Thread.sleep(5_000);
        assertEquals(pinging, mainPid(), "a healthy berthd was restarted: " + show(UNIT, "Result", "NRestarts"));

        int restarts = restarts();
        must("systemctl", "kill", "-s", "STOP", UNIT);
        long t = System.nanoTime();
        assertTrue(eventually(() -> restarts() == restarts + 1 && "active".equals(show(UNIT, "ActiveState")
                .get("ActiveState")), 60_000), "not restarted: " + show(UNIT, "ActiveState", "Result", "NRestarts"));
        System.out.printf("hung berthd restarted and ready after %d ms%n", (System.nanoTime() - t) / 1_000_000);
        assertNotEquals(pinging, mainPid());
        String unitLog = must("journalctl", "-u", UNIT, "-o", "cat", "--no-pager");
        assertTrue(unitLog.contains("Watchdog timeout"), "systemd saw no watchdog timeout:\n" + unitLog);
        assertTrue(unitLog.contains("Failed with result 'watchdog'"), unitLog);
        assertReadopted(id, pid);
        berth("rm", "-f", id);
        Files.delete(DROP_INS.resolve("20-watchdog.conf"));
        must("systemctl", "daemon-reload");
    }

    /** berthd knows the container as running with the same init, which still lives, and can stop it. */
    private void assertReadopted(String id, int pid) throws Exception {
        JsonNode c = inspect(id);
        assertEquals("running", c.path("state").path("status").asText(), c.toString());
        assertEquals(pid, c.path("state").path("pid").asInt(), "the same container process");
        assertTrue(Files.exists(Path.of("/proc/" + pid)), "container init " + pid + " is alive");
        assertTrue(berth("ps", "-q", "--no-trunc").lines().toList().contains(id), "berth ps lists " + id);
        assertEquals("active", show("berth-" + id + ".scope", "ActiveState").get("ActiveState"));
    }

    private static void dropIn(String name, String serviceLines) throws IOException {
        Files.createDirectories(DROP_INS);
        Files.writeString(DROP_INS.resolve(name), "[Service]\n" + serviceLines + "\n");
    }

    private static long mainPid() {
        return Long.parseLong(show(UNIT, "MainPID").get("MainPID"));
    }

    private static int restarts() {
        return Integer.parseInt(show(UNIT, "NRestarts").get("NRestarts"));
    }

    /** berthd's journal lines from process {@code pid}, of the given syslog priority only (null: all). */
    private static String journal(long pid, Integer priority) {
        List<String> cmd = new ArrayList<>(List.of("journalctl", "-u", UNIT, "_PID=" + pid, "-o", "cat", "--no-pager"));
        if (priority != null) {
            cmd.add("PRIORITY=" + priority);
        }
        try {
            return must(cmd.toArray(String[]::new));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode inspect(String id) throws IOException {
        JsonNode n = JSON.readTree(berth("inspect", id));
        return n.isArray() ? n.get(0) : n;
    }

    private static String procCgroup(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        } catch (IOException e) {
            return "";
        }
    }

    private static String file(String controller, String dir, String name) throws IOException {
        return Files.readString(Path.of("/sys/fs/cgroup", controller, dir, name)).strip();
    }

    /** The real CLI on the default socket, as an admin on the host would run it. */
    static String berth(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "BERTH_LIB=" + REPO.resolve("cli/target/lib"),
                REPO.resolve("cli/src/main/sh/berth").toString()));
        cmd.addAll(List.of(args));
        return must(cmd.toArray(String[]::new));
    }

    /** Runs a command; its output, or an AssertionError with it unless it exits 0 within two minutes. */
    static String must(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(String.join(" ", cmd) + " interrupted", e);
        }
        return out.strip();
    }

    /**
     * The guest is thrown away, but a failed step must not leave berthd's containers to the poweroff; its
     * journal goes to integration-tests/target (writable from the guest) for whoever reads a failure.
     */
    private void cleanUp() {
        try {
            Files.writeString(REPO.resolve("integration-tests/target/systemd-service-berthd.journal"),
                    must("journalctl", "-o", "short-precise", "--no-pager", "-u", UNIT, "-u", "berth-*"));
            if ("active".equals(show(UNIT, "ActiveState").get("ActiveState"))) {
                for (String id : berth("ps", "-a", "-q", "--no-trunc").lines().filter(l -> !l.isBlank()).toList()) {
                    berth("rm", "-f", id);
                }
            }
            must("systemctl", "stop", UNIT);
            must("systemctl", "stop", ViewfsServiceSteps.UNIT);
        } catch (IOException | AssertionError e) {
            System.out.println("clean-up: " + e.getMessage());
        }
    }
}
