package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.it.support.BerthHarness;
import dev.berth.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Containers outlive berthd: kill -9 or a graceful restart, and the daemon finds the truth again. A shim
 * killed and state files broken while berthd was down: FaultToleranceIT.
 */
class DaemonRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private BerthHarness berth;

    @BeforeEach
    void start() throws Exception {
        berth = new BerthHarness();
    }

    @AfterEach
    void stop() throws Exception {
        if (berth != null) {
            berth.close();
        }
    }

    private JsonNode state(String ref) throws Exception {
        JsonNode node = JSON.readTree(berth.ok("inspect", ref));
        return (node.isArray() ? node.get(0) : node).get("state");
    }

    @Test
    void killNineOfTheDaemonLeavesContainersRunningAndRecoversTheirState() throws Exception {
        berth.ok("run", "-d", "--name", "keeper-a", "busybox", "sh", "-c", "echo started-a; sleep 1000");
        berth.ok("run", "-d", "--name", "keeper-b", "busybox", "sleep", "1000");
        // The quitter exits when told, on SIGTERM, which it gets only once berthd is down.
        berth.ok("run", "-d", "--name", "quitter", "busybox", "sh", "-c",
                "trap 'echo bye; exit 7' TERM; while :; do sleep 0.1; done");
        int pidA = state("keeper-a").get("pid").asInt();
        int pidB = state("keeper-b").get("pid").asInt();
        int pidQuitter = state("quitter").get("pid").asInt();
        Await.until("the quitter catches SIGTERM", 30_000, () -> catchesSigterm(pidQuitter));

        berth.killDaemon();
        ProcessHandle.of(pidQuitter).orElseThrow().destroy();
        Await.until("the quitter exits while berthd is down", 30_000,
                () -> !Files.exists(Path.of("/proc/" + pidQuitter)));
        assertTrue(Files.exists(Path.of("/proc/" + pidA)), "keeper-a died with the daemon");
        assertTrue(Files.exists(Path.of("/proc/" + pidB)), "keeper-b died with the daemon");

        berth.startDaemon();
        assertEquals("running", state("keeper-a").get("status").asText());
        assertEquals("running", state("keeper-b").get("status").asText());
        assertEquals(pidA, state("keeper-a").get("pid").asInt());
        JsonNode quitter = state("quitter");
        assertEquals("exited", quitter.get("status").asText());
        assertEquals(7, quitter.get("exitCode").asInt());
        String ps = berth.ok("ps", "-a");
        assertTrue(ps.contains("Exited (7)"), ps);

        assertEquals("alive", berth.ok("exec", "keeper-a", "echo", "alive"));
        assertEquals("started-a", berth.ok("logs", "keeper-a"));
        assertEquals("bye", berth.ok("logs", "quitter"));

        berth.ok("stop", "-t", "1", "keeper-b");
        assertEquals("exited", state("keeper-b").get("status").asText(), "a re-adopted container's exit is seen");
    }

    /**
     * Whether the process has a SIGTERM handler (its SigCgt mask): a pid namespace's init gets only the signals
     * it handles.
     */
    private static boolean catchesSigterm(int pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("SigCgt:"))
                    .anyMatch(l -> (Long.parseUnsignedLong(l.substring(7).strip(), 16) & (1L << (15 - 1))) != 0);
        } catch (IOException e) {
            return false; // gone
        }
    }

    @Test
    void gracefulRestartKeepsContainersRunning() throws Exception {
        berth.ok("run", "-d", "--name", "survivor", "busybox", "sleep", "1000");
        int pid = state("survivor").get("pid").asInt();
        berth.stopDaemon();
        assertTrue(Files.exists(Path.of("/proc/" + pid)), "a graceful stop of berthd killed the container");
        berth.startDaemon();
        assertEquals("running", state("survivor").get("status").asText());
        assertEquals("still here", berth.ok("exec", "survivor", "echo", "still here"));
    }

    /**
     * A second berthd on the first's root, run root or socket exits at once, before recovery or the sockets,
     * with one line naming the first's pid; the first serves on, its socket and containers untouched.
     */
    @Test
    void aSecondBerthdOnTheSameRootRunRootOrSocketIsRefusedAndTheFirstServesOn() throws Exception {
        berth.ok("run", "-d", "--name", "first-ones", "busybox", "sleep", "1000");
        JsonNode before = state("first-ones");
        Object socketBefore = Files.readAttributes(berth.socket(), BasicFileAttributes.class).fileKey();
        Path other = berth.base().resolve("other");
        Map<String, List<Path>> attempts = new LinkedHashMap<>();
        attempts.put("same root", List.of(berth.root(), other.resolve("run"), other.resolve("berth.sock")));
        attempts.put("same run root", List.of(other.resolve("root"), berth.runRoot(), other.resolve("berth.sock")));
        attempts.put("same socket", List.of(other.resolve("root"), other.resolve("run"), berth.socket()));
        for (Map.Entry<String, List<Path>> attempt : attempts.entrySet()) {
            List<Path> paths = attempt.getValue();
            BerthHarness.Result second = berth.runOtherDaemon(paths.get(0), paths.get(1), paths.get(2));
            List<String> said = second.stdout().lines().filter(l -> !l.isBlank()).toList();
            assertNotEquals(0, second.exitCode(), attempt.getKey() + ": " + said);
            assertEquals(1, said.size(), attempt.getKey() + ": not one line: " + said);
            assertTrue(said.get(0).contains("held by berthd pid " + berth.daemonPid()), attempt.getKey() + ": " + said);
            assertFalse(Files.exists(other.resolve("run/berth.sock")) || Files.exists(other.resolve("run/cri.sock")),
                    attempt.getKey() + ": the refused berthd bound a socket");
        }

        assertEquals(socketBefore, Files.readAttributes(berth.socket(), BasicFileAttributes.class).fileKey(),
                "the first berthd's socket was replaced");
        assertEquals(before, state("first-ones"), "the refused berthd touched the container");
        assertEquals("still mine", berth.ok("exec", "first-ones", "echo", "still mine"));
        berth.criSocket();
        berth.ok("stop", "-t", "1", "first-ones");
        assertEquals("exited", state("first-ones").get("status").asText());
    }

    /**
     * Execs live as long as their session: berthd's kill -9 takes the clients' connections, and so the exec'd
     * processes, with it. berthd is killed while execs are still starting: every client whose command can have
     * started is told so, rather than "no answer", so it does not run it again blindly.
     */
    @Test
    void killNineOfTheDaemonEndsItsExecsAndTheirClientsKnowTheyStarted() throws Exception {
        berth.ok("run", "-d", "--name", "exec-host", "busybox", "sleep", "1000");
        JsonNode inspect = JSON.readTree(berth.ok("inspect", "exec-host"));
        String id = (inspect.isArray() ? inspect.get(0) : inspect).get("id").asText();
        int init = state("exec-host").get("pid").asInt();
        int clients = 10;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<BerthHarness.Result>> execs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                execs.add(pool.submit(() -> berth.berth("exec", "exec-host", "sleep", "1000")));
            }
            assertTrue(Await.eventually(() -> containerPids(id).size() > 1 + clients / 2, 120_000),
                    "the execs did not start: " + containerPids(id));
            int started = containerPids(id).size() - 1;
            berth.killDaemon();

            int toldStarted = 0;
            for (Future<BerthHarness.Result> exec : execs) {
                BerthHarness.Result r = exec.get(60, TimeUnit.SECONDS);
                assertNotEquals(0, r.exitCode(), r.toString());
                if (r.stderr().contains("the command was started")) {
                    toldStarted++;
                }
            }
            assertTrue(toldStarted >= started, toldStarted + " clients were told their exec started, "
                    + started + " execs had");
            berth.startDaemon();
            assertTrue(Await.eventually(() -> containerPids(id).equals(List.of(init)), 10_000),
                    "exec processes outlived their sessions: " + containerPids(id));
            assertEquals("running", state("exec-host").get("status").asText());
            assertEquals("served", berth.ok("exec", "exec-host", "echo", "served"));
        } finally {
            pool.shutdownNow();
        }
    }

    /** The pids in the container's cgroup, as runc lists them. */
    private List<Integer> containerPids(String id) {
        try {
            JsonNode pids = JSON.readTree(BerthHarness.run("runc", "--root", berth.runRoot().resolve("runc").toString(),
                    "ps", "--format", "json", id));
            List<Integer> list = new ArrayList<>();
            pids.forEach(p -> list.add(p.asInt()));
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
