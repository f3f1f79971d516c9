package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.TestRegistry;
import dev.berth.testing.Await;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The parts of a container dying under berthd (kill -9 of a shim, of runc mid-create, of the container's
 * init), the state root's disk filling up (during a pull, during logging) and state files corrupted while
 * berthd was down: each costs only the container concerned, with a clear error, and berthd keeps serving
 * the others. docs/hardening.md describes the behaviour per case.
 */
class FaultToleranceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A CRI log entry of the logging containers below, whole. */
    private static final Pattern LOG_ENTRY =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z stdout F line-(\\d+)-x+");
    private static final String LOGGING_SCRIPT = "i=0; while :; do i=$((i+1)); echo \"line-$i-"
            + "x".repeat(100) + "\"; usleep 2000; done";

    private BerthHarness berth;
    private TestRegistry registry;
    private Path work;

    @AfterEach
    void stop() throws Exception {
        try {
            if (berth != null) {
                berth.close();
            }
        } finally {
            try {
                if (registry != null) {
                    registry.close();
                }
            } finally {
                if (work != null) {
                    BerthHarness.run("rm", "-rf", work.toString());
                }
            }
        }
    }

    @Test
    void killNineOfAShimReportsItsContainerExitedBeforeAndAfterARestart() throws Exception {
        berth = new BerthHarness();
        berth.ok("run", "-d", "--name", "bystander", "busybox", "sleep", "1000");
        String live = berth.ok("run", "-d", "--name", "shim-killed-live", "busybox", "sleep", "1000");
        JsonNode before = inspect(live);
        BerthHarness.run("kill", "-9", before.get("shimPid").asText());
        awaitStatus(live, "exited");
        assertShimDeathReported(live, before);
        berth.ok("rm", "-f", live);
        assertNoTrace(live);

        // The shim dies while berthd is down: recovery finds it dead.
        String down = berth.ok("run", "-d", "--name", "shim-killed-down", "busybox", "sleep", "1000");
        before = inspect(down);
        berth.killDaemon();
        BerthHarness.run("kill", "-9", before.get("shimPid").asText());
        berth.startDaemon();
        awaitStatus(down, "exited");
        assertShimDeathReported(down, before);
        berth.ok("rm", "-f", down);
        assertNoTrace(down);

        assertEquals("running", state("bystander").get("status").asText());
        assertEquals("unaffected", berth.ok("exec", "bystander", "echo", "unaffected"));
    }

    @Test
    void aDeadShimsPidReusedByAnotherProcessIsNotTakenForTheShim() throws Exception {
        berth = new BerthHarness();
        String id = berth.ok("run", "-d", "--name", "shim-pid-reused", "busybox", "sleep", "1000");
        JsonNode before = inspect(id);
        berth.killDaemon();
        BerthHarness.run("kill", "-9", before.get("shimPid").asText());
        // Another live process now has the pid the shim's pid file names.
        Process stranger = new ProcessBuilder("sleep", "600").start();
        try {
            Files.writeString(berth.runRoot().resolve("shims").resolve(id.substring(0, 32)).resolve("shim.pid"),
                    stranger.pid() + "\n");
            berth.startDaemon();
            // Recovery tells the stranger from the shim before berthd serves: the first answer is the exit.
            assertEquals("exited", state(id).get("status").asText(), "a stranger holding the shim's pid keeps the"
                    + " container up: " + state(id));
            assertShimDeathReported(id, before);
            assertTrue(stranger.isAlive(), "berthd killed the process that reused the shim's pid");
            berth.ok("rm", "-f", id);
            assertNoTrace(id);
        } finally {
            stranger.destroyForcibly();
        }
    }

    private void assertShimDeathReported(String id, JsonNode before) throws Exception {
        JsonNode s = state(id);
        assertEquals(255, s.get("exitCode").asInt(), s.toString());
        assertTrue(s.get("reason").asText().contains("shim"), "no reason naming the shim: " + s);
        int pid = before.at("/state/pid").asInt();
        assertTrue(Await.eventually(() -> !Files.exists(Path.of("/proc/" + pid)), 10_000),
                "the container's init outlived its shim");
        assertTrue(berth.ok("ps", "-a").contains("Exited (255)"), berth.ok("ps", "-a"));
        assertFalse(Files.exists(berth.runRoot().resolve("runc").resolve(id)), "runc state left for " + id);
        assertEquals(List.of(), berth.cgroupDirsOf(id), "cgroups left for an exited container");
    }

    @Test
    void killNineOfRuncMidCreateFailsTheCreateAndLeavesNothing() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "bkdrunc");
        Path calls = work.resolve("calls.log");
        Path wrapper = work.resolve("runc-killed-mid-create");
        // On create: start runc, wait until it has made the container's state directory (it is mid-way
        // through), then kill -9 runc and the wrapper the shim waits for. Other calls go to runc.
        Files.writeString(wrapper, String.join("\n", "#!/bin/sh",
                "echo \"$*\" >> " + calls,
                "case \" $* \" in",
                "*\" create \"*)",
                "  prev=; for a in \"$@\"; do [ \"$prev\" = --root ] && root=$a; prev=$a; id=$a; done",
                "  /usr/sbin/runc \"$@\" &",
                "  i=0; while [ ! -d \"$root/$id\" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done",
                "  echo \"killed after $i waits\" >> " + calls,
                "  kill -9 $! $$",
                "  ;;",
                "esac",
                "exec /usr/sbin/runc \"$@\"", ""));
        assertTrue(wrapper.toFile().setExecutable(true));
        berth = new BerthHarness(List.of("[runtimes]", "killed-mid-create = \"" + wrapper + "\""));

        Result create = api("POST", "/v1/containers", "{\"image\":\"busybox\",\"name\":\"mid-create\","
                + "\"cmd\":[\"sleep\",\"1000\"],\"runtimeHandler\":\"killed-mid-create\"}");
        assertEquals(500, create.status(), create.body());
        Matcher m = Pattern.compile("create container ([0-9a-f]{64}): runtime was killed").matcher(create.body());
        assertTrue(m.find(), "the error does not name the container and the killed runtime: " + create.body());
        String id = m.group(1);
        String log = Files.readString(calls);
        assertTrue(log.contains("killed after"), "the wrapper did not kill runc: " + log);

        assertFalse(berth.ok("ps", "-a", "-q", "--no-trunc").contains(id), "the failed container is listed");
        assertNoTrace(id);
        Path namedRuntimeRoot = Path.of(log.lines().filter(l -> l.contains(" create ")).findFirst().orElseThrow()
                .replaceAll(".*--root (\\S+).*", "$1"));
        assertFalse(Files.exists(namedRuntimeRoot.resolve(id)), "runc state left in " + namedRuntimeRoot);
        assertTrue(log.contains("delete --force " + id), "runc's half-made state was not deleted: " + log);

        // The name is free again, and the default runtime serves on.
        assertEquals("ok", berth.ok("run", "--rm", "--name", "mid-create", "busybox", "echo", "ok"));
    }

    @Test
    void killNineOfTheInitReportsExitCode137AndKeepsTheLogs() throws Exception {
        berth = new BerthHarness();
        String id = berth.ok("run", "-d", "--name", "init-killed", "busybox", "sh", "-c",
                "echo before-the-kill; exec sleep 1000");
        assertTrue(Await.eventually(() -> logsOf(id).contains("before-the-kill"), 10_000), logsOf(id));
        int pid = state(id).get("pid").asInt();
        BerthHarness.run("kill", "-9", Integer.toString(pid));
        awaitStatus(id, "exited");
        JsonNode s = state(id);
        assertEquals(137, s.get("exitCode").asInt(), s.toString());
        assertFalse(s.get("oomKilled").asBoolean(), s.toString());
        assertTrue(berth.ok("ps", "-a").contains("Exited (137)"), berth.ok("ps", "-a"));
        assertEquals("before-the-kill", berth.ok("logs", id));
        assertEquals("137", berth.ok("wait", id));
        berth.ok("rm", id);
        assertNoTrace(id);
    }

    @Test
    void brokenStateFilesCostOnlyTheirContainer() throws Exception {
        berth = new BerthHarness();
        String healthy = berth.ok("run", "-d", "--name", "healthy", "busybox", "sleep", "1000");
        String truncatedState = berth.ok("create", "--name", "truncated-state", "busybox", "true");
        String emptyStateRunning = berth.ok("run", "-d", "--name", "empty-state", "busybox", "sleep", "1000");
        String badRecord = berth.ok("create", "--name", "bad-record", "busybox", "true");
        String noConfig = berth.ok("run", "-d", "--name", "no-config", "busybox", "sleep", "1000");
        String noBundle = berth.ok("create", "--name", "no-bundle", "busybox", "true");
        String podMember = berth.ok("run", "-d", "--name", "pod-member", "busybox", "sleep", "1000");
        List<Integer> brokenInits = List.of(state(emptyStateRunning).get("pid").asInt(),
                state(noConfig).get("pid").asInt(), state(podMember).get("pid").asInt());
        berth.stopDaemon();

        Path containers = berth.root().resolve("containers");
        Files.writeString(containers.resolve(truncatedState).resolve("state.json"), "{\"status\": ");
        Files.writeString(containers.resolve(emptyStateRunning).resolve("state.json"), "");
        Files.writeString(containers.resolve(badRecord).resolve("container.json"), "{not json");
        Files.delete(containers.resolve(noConfig).resolve("bundle/config.json"));
        Path bundle = containers.resolve(noBundle).resolve("bundle");
        BerthHarness.run("umount", bundle.resolve("rootfs").toString());
        BerthHarness.run("rm", "-rf", bundle.toString());
        // A pod's container (kubelet's, through the CRI) with a broken state.json: removed at start, as CRI-O does.
        Path podMemberRecord = containers.resolve(podMember).resolve("container.json");
        ObjectNode record = (ObjectNode) JSON.readTree(podMemberRecord.toFile());
        ((ObjectNode) record.get("config")).put("podId", "ab".repeat(32));
        JSON.writeValue(podMemberRecord.toFile(), record);
        Files.writeString(containers.resolve(podMember).resolve("state.json"), "{");
        berth.startDaemon();

        assertEquals("running", state(healthy).get("status").asText());
        assertEquals("served", berth.ok("exec", "healthy", "echo", "served"));
        List<String> listed = berth.ok("ps", "-a", "--no-trunc").lines().toList();
        String running = berth.ok("ps", "--no-trunc");
        JsonNode restList = JSON.readTree(api("GET", "/v1/containers?all=true", "").body());
        Map<String, String> problems = Map.of(truncatedState, "state.json", emptyStateRunning, "state.json",
                badRecord, "container.json", noConfig, "bundle/config.json", noBundle, "bundle/config.json");
        String daemonLog = berth.daemonLog();
        for (Map.Entry<String, String> broken : problems.entrySet()) {
            String id = broken.getKey();
            assertTrue(listed.stream().anyMatch(l -> l.startsWith(id + " ") && l.contains(" Broken")),
                    "ps -a does not show " + id + " as broken:\n" + String.join("\n", listed));
            assertFalse(running.contains(id), "ps (running only) shows a broken container: " + id);
            JsonNode row = row(restList, id);
            assertEquals("broken", row.get("state").asText(), row.toString());
            assertTrue(row.get("reason").asText().contains(broken.getValue()), row.toString());
            assertTrue(daemonLog.lines().anyMatch(l -> l.contains(id) && l.contains(broken.getValue())
                            && l.contains("broken")),
                    "the daemon log does not name " + id + " and its " + broken.getValue());
            JsonNode state = state(id);
            assertEquals("broken", state.get("status").asText(), state.toString());
            assertTrue(state.get("reason").asText().contains(broken.getValue()), state.toString());
            BerthHarness.Result rm = berth.berth("rm", id);
            assertNotEquals(0, rm.exitCode(), "a broken container was removed without force");
            assertTrue(rm.stderr().contains("use force"), rm.stderr());
        }
        assertEquals("broken", state(badRecord.substring(0, 12)).get("status").asText(), "by the short id ps shows");
        assertEquals("no-bundle", row(restList, noBundle).get("name").asText(), "what its record says is shown");
        assertFalse(row(restList, badRecord).hasNonNull("name"), "a name from an unreadable container.json");
        assertRefused("start container " + truncatedState, "state.json", "start", "truncated-state");
        assertRefused("stop container " + emptyStateRunning, "state.json", "stop", "empty-state");
        assertRefused("exec in container " + noConfig, "bundle/config.json", "exec", "no-config", "true");
        assertTrue(berth.berth("create", "--name", "no-config", "busybox", "true").stderr().contains("in use"),
                "a broken container's name was given away");

        assertFalse(listed.stream().anyMatch(l -> l.startsWith(podMember)), "a pod's broken container is listed");
        assertTrue(daemonLog.lines().anyMatch(l -> l.contains(podMember) && l.contains("state.json")
                && l.contains("removed, as CRI-O")), "the daemon log does not say the pod's container was removed");
        assertNoTrace(podMember);
        berth.ok("rm", "-f", berth.ok("create", "--name", "pod-member", "busybox", "true"));

        berth.ok("rm", "-f", "truncated-state");
        for (String id : problems.keySet()) {
            if (id.equals(badRecord)) {
                berth.ok("rm", "-f", id.substring(0, 12));
            } else if (!id.equals(truncatedState)) {
                berth.ok("rm", "-f", id);
            }
            assertNoTrace(id);
        }
        for (int pid : brokenInits) {
            assertTrue(Await.eventually(() -> !Files.exists(Path.of("/proc/" + pid)), 10_000),
                    "a broken container's init outlived rm -f: " + pid);
        }
        berth.ok("create", "--name", "no-config", "busybox", "true");
        assertEquals("running", state(healthy).get("status").asText());
        berth.stopDaemon();
        long linesBefore = berth.daemonLog().lines().count();
        berth.startDaemon();
        assertFalse(berth.daemonLog().lines().skip(linesBefore).anyMatch(l -> l.contains("broken")),
                "a removed broken container came back");
    }

    @Test
    void aPullThatDoesNotFitFailsWithNoSpaceLeftAndLeavesNothing() throws Exception {
        TestRegistry.assumeTools("disk-full pull test");
        work = Files.createTempDirectory(Path.of("/tmp"), "bkdpull");
        registry = TestRegistry.start(work);
        Path layout = registry.busyboxLayout("layout");
        registry.addRandomLayer(layout, "too-big", 40 << 20);
        registry.push(layout, "too-big:v1");
        berth = new BerthHarness(List.of(), h -> mountTmpfs(h.root(), "24m"));
        Path store = berth.root().resolve("images");
        long freeBefore = freeBytes(berth.root());
        String imagesBefore = berth.ok("images", "-q", "--no-trunc");
        List<String> layersBefore = entries(store.resolve("layers"));

        BerthHarness.Result pull = berth.berth("pull", registry.host() + "/too-big:v1");
        assertNotEquals(0, pull.exitCode(), "a pull larger than the disk succeeded");
        String said = pull.stdout() + pull.stderr();
        assertTrue(said.toLowerCase().contains("no space left"), "no 'no space left' error: " + said);
        assertTrue(said.contains(registry.host() + "/too-big:v1"), "the error does not name the pull: " + said);
        assertTrue(said.contains(berth.root().toString()), "the error does not name the full disk: " + said);
        assertFalse(said.contains("java."), "a class name in the error: " + said);

        assertEquals(imagesBefore, berth.ok("images", "-q", "--no-trunc"), "the image list changed");
        assertEquals(List.of(), entries(store.resolve("tmp")), "temp files left");
        assertEquals(List.of(), entries(store.resolve("partial")), "a partial download fills the disk");
        assertEquals(layersBefore, entries(store.resolve("layers")), "a layer of the failed pull is left");
        for (String blob : entries(store.resolve("blobs/sha256"))) {
            assertEquals(blob, sha256(store.resolve("blobs/sha256").resolve(blob)), "a blob cut short is left");
        }
        assertTrue(freeBytes(berth.root()) >= freeBefore - (1 << 20),
                "the failed pull kept " + (freeBefore - freeBytes(berth.root())) + " bytes");
        assertEquals("still serving", berth.ok("run", "--rm", "busybox", "echo", "still serving"));

        // Room made (the file system grown): the same pull goes through, nothing of the failed one in its way.
        String grown = BerthHarness.run("mount", "-o", "remount,size=160m", berth.root().toString());
        assertTrue(freeBytes(berth.root()) > 100 << 20, "remount the tmpfs larger: " + grown);
        berth.ok("pull", registry.host() + "/too-big:v1");
        assertTrue(berth.ok("images").contains("too-big"), "the pull after the disk was freed is not listed");
        assertEquals("pulled", berth.ok("run", "--rm", registry.host() + "/too-big:v1", "echo", "pulled"));
    }

    @Test
    void aFullLogDiskNeitherBlocksNorKillsTheContainerAndLoggingResumes() throws Exception {
        berth = new BerthHarness(List.of("log_max_size = 1073741824"), h -> mountTmpfs(h.root(), "16m"));
        String logger = berth.ok("run", "-d", "--name", "logger", "busybox", "sh", "-c", LOGGING_SCRIPT);
        String quitter = berth.ok("run", "-d", "--name", "quitter", "busybox", "sleep", "1000");
        Path filler = berth.root().resolve("filler");
        long fill = freeBytes(berth.root()) - (256 << 10);
        BerthHarness.run("fallocate", "-l", Long.toString(fill), filler.toString());
        assertTrue(Await.eventually(() -> freeBytes(berth.root()) < 16 << 10, 30_000),
                "the log did not fill the disk: " + freeBytes(berth.root()) + " bytes free");
        // The point: the disk stays full for a while with the logger writing, and nothing gives way meanwhile.
        Thread.sleep(2000);

        int shimPid = inspect(logger).get("shimPid").asInt();
        assertTrue(Files.exists(Path.of("/proc/" + shimPid)), "the shim died of the full disk");
        assertEquals("running", state(logger).get("status").asText());
        assertEquals("alive", berth.ok("exec", "logger", "echo", "alive"));
        assertEquals("running", state(quitter).get("status").asText());
        berth.ok("stop", "-t", "1", "quitter");
        assertEquals("exited", state(quitter).get("status").asText(), "an exit during a full disk was lost");
        BerthHarness.Result create = berth.berth("create", "--name", "no-room", "busybox", "true");
        assertNotEquals(0, create.exitCode(), "a create on a full disk succeeded");
        assertTrue(create.stderr().contains("no space left on device"), create.stderr());
        assertTrue(create.stderr().contains("create container "), "the error does not name the operation: "
                + create.stderr());
        assertFalse(create.stderr().contains("java.") || create.stderr().contains("Exception"),
                "the error shows Java internals: " + create.stderr());
        assertFalse(berth.ok("ps", "-a").contains("no-room"), "a failed create is listed");
        try (Stream<Path> dirs = Files.list(berth.root().resolve("containers"))) {
            assertEquals(2, dirs.count(), "a failed create left a container directory");
        }

        Path log = berth.root().resolve("containers").resolve(logger).resolve("ctr.log");
        long lastBefore = lastLineNumber(log);
        Files.delete(filler);
        assertTrue(Await.eventually(() -> lastLineNumber(log) > lastBefore + 100, 30_000),
                "logging did not resume after line " + lastBefore);
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            assertTrue(LOG_ENTRY.matcher(line).matches(), "not a whole log entry: " + line);
        }
        assertTrue(berth.ok("logs", "--tail", "1", "logger").startsWith("line-"));
        berth.ok("rm", "-f", logger);
        berth.ok("rm", quitter);
        assertNoTrace(logger);
    }

    /**
     * On a full disk a start either truly starts the container (a created one: runc start needs no room under ROOT,
     * only the state save does, and a restart learns the start from runc) or fails naming the container, the
     * operation and "no space left on device", leaving no shim or runc container behind (an exited one: its new
     * run's state cannot be saved). Exec and stop work; a restart of berthd reports the same; once there is room
     * again everything works.
     */
    @Test
    void aStartOnAFullDiskStartsOrFailsCleanlyAndAllWorksOnceThereIsRoom() throws Exception {
        berth = new BerthHarness(List.of(), h -> mountTmpfs(h.root(), "16m"));
        String made = berth.ok("create", "--name", "made", "busybox", "sleep", "1000");
        String ran = berth.ok("run", "-d", "--name", "ran", "busybox", "sleep", "1000");
        String busy = berth.ok("run", "-d", "--name", "busy", "busybox", "sleep", "1000");
        berth.ok("stop", "-t", "0", "ran");
        Path filler = berth.root().resolve("filler");
        BerthHarness.run("fallocate", "-l", Long.toString(freeBytes(berth.root())), filler.toString());
        assertTrue(freeBytes(berth.root()) < 4096, "the disk is not full: " + freeBytes(berth.root()) + " bytes free");

        BerthHarness.Result start = berth.berth("start", "ran");
        assertNotEquals(0, start.exitCode(), "a start with no room for its state succeeded");
        assertTrue(start.stderr().contains("start container " + ran), start.stderr());
        assertTrue(start.stderr().toLowerCase().contains("no space left on device"), start.stderr());
        assertFalse(start.stderr().contains("java."), start.stderr());
        assertEquals("exited", state(ran).get("status").asText());
        assertFalse(Files.exists(berth.runRoot().resolve("runc").resolve(ran)), "runc container left");
        assertTrue(Await.eventually(() -> processesNaming(ran).isEmpty(), 10_000),
                "a failed start left processes: " + processesNaming(ran));

        berth.ok("start", "made");
        assertEquals("running", state(made).get("status").asText());
        assertEquals("alive", berth.ok("exec", "made", "echo", "alive"));
        berth.ok("stop", "-t", "1", "busy");
        assertEquals("exited", state(busy).get("status").asText());

        berth.killDaemon();
        berth.startDaemon();
        assertEquals("exited", state(ran).get("status").asText(), "after a restart");
        assertEquals("running", state(made).get("status").asText(), "after a restart");
        assertEquals("exited", state(busy).get("status").asText(), "after a restart");
        assertTrue(processesNaming(ran).isEmpty(), "after a restart: " + processesNaming(ran));

        Files.delete(filler);
        berth.ok("start", "ran");
        assertEquals("running", state(ran).get("status").asText());
        assertEquals("room again", berth.ok("exec", "ran", "echo", "room again"));
        for (String id : List.of(made, ran, busy)) {
            berth.ok("rm", "-f", id);
            assertNoTrace(id);
        }
    }

    /** The number of the log's last whole entry, read from its last 64 KiB. */
    private static long lastLineNumber(Path log) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            byte[] tail = new byte[(int) Math.min(f.length(), 64 << 10)];
            f.seek(f.length() - tail.length);
            f.readFully(tail);
            List<String> lines = new String(tail, StandardCharsets.UTF_8).lines().toList();
            for (int i = lines.size() - 1; i >= 0; i--) {
                Matcher m = LOG_ENTRY.matcher(lines.get(i));
                if (m.matches()) {
                    return Long.parseLong(m.group(1));
                }
            }
            return 0;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void mountTmpfs(Path dir, String size) throws Exception {
        Files.createDirectories(dir);
        String out = BerthHarness.run("mount", "-t", "tmpfs", "-o", "size=" + size, "berth-it-full", dir.toString());
        assertTrue(isMountPoint(dir), "mount a tmpfs on " + dir + ": " + out);
    }

    private static boolean isMountPoint(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .anyMatch(l -> l.split(" ")[4].equals(dir.toString()));
    }

    private static long freeBytes(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
    }

    private static List<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Nothing of the container is left: record, shim directory, runc state, cgroups, mounts, processes. */
    private void assertNoTrace(String id) throws IOException {
        assertFalse(Files.exists(berth.root().resolve("containers").resolve(id)), "container directory left: " + id);
        assertFalse(Files.exists(berth.runRoot().resolve("shims").resolve(id.substring(0, 32))), "shim dir left");
        assertFalse(Files.exists(berth.runRoot().resolve("runc").resolve(id)), "runc state left: " + id);
        assertTrue(Await.eventually(() -> berth.cgroupDirsOf(id).isEmpty(), 5_000),
                "cgroups left: " + berth.cgroupDirsOf(id));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(id), "mounts left for " + id);
        assertTrue(Await.eventually(() -> processesNaming(id).isEmpty(), 10_000),
                "processes left: " + processesNaming(id));
    }

    private static List<String> processesNaming(String id) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmdline.contains(id.substring(0, 32))) {
                        found.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException gone) {
                    // The process ended while we looked.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    /** {@code berth ARGS} fails naming the operation with the id, and the broken file. */
    private void assertRefused(String operation, String file, String... args) throws Exception {
        BerthHarness.Result r = berth.berth(args);
        assertNotEquals(0, r.exitCode(), String.join(" ", args) + " went through");
        assertTrue(r.stderr().contains(operation + ": its files are broken") && r.stderr().contains(file),
                String.join(" ", args) + ": " + r.stderr());
    }

    /** The entry of a GET /v1/containers answer with the id. */
    private static JsonNode row(JsonNode list, String id) {
        for (JsonNode c : list) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("GET /v1/containers?all=true does not list " + id + ": " + list);
    }

    private JsonNode inspect(String ref) throws Exception {
        JsonNode node = JSON.readTree(berth.ok("inspect", ref));
        return node.isArray() ? node.get(0) : node;
    }

    private JsonNode state(String ref) throws Exception {
        return inspect(ref).get("state");
    }

    private void awaitStatus(String ref, String status) throws Exception {
        boolean reached = Await.eventually(() -> {
            try {
                return state(ref).get("status").asText().equals(status);
            } catch (Exception e) {
                return false;
            }
        }, 15_000);
        assertTrue(reached, ref + " did not become " + status + ": " + state(ref));
    }

    private String logsOf(String ref) {
        try {
            return berth.berth("logs", ref).stdout();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private record Result(int status, String body) {
    }

    /** A request to the REST API, for what the CLI has no flag for (a runtime handler). */
    private Result api(String method, String path, String body) throws Exception {
        String out = BerthHarness.run("curl", "-s", "--unix-socket", berth.socket().toString(), "-X", method,
                "-H", "Content-Type: application/json", "-d", body, "-w", "\n%{http_code}", "http://d" + path);
        int cut = out.lastIndexOf('\n');
        return new Result(Integer.parseInt(out.substring(cut + 1).strip()), out.substring(0, cut));
    }
}
