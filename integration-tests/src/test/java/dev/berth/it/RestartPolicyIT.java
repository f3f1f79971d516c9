package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.BerthHarness.Result;
import dev.berth.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Restart policies run by berthd: on exit with back-off, never after the user's stop, and at its own start. */
class RestartPolicyIT {
    private static BerthHarness berth;

    @BeforeAll
    static void start() throws Exception {
        berth = new BerthHarness();
    }

    @AfterAll
    static void stop() throws Exception {
        if (berth != null) {
            berth.close();
        }
    }

    private static String state(String name) throws Exception {
        return berth.ok("inspect", "-f", "{{.State.Status}} {{.State.RestartCount}}", name);
    }

    @Test
    void onFailureRestartsUpToItsLimitAndAlwaysUntilTheUserStopsIt() throws Exception {
        try {
            berth.ok("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3");
            assertEquals("exited 2", Await.lastValue(() -> state("flaky"), "exited 2"::equals, 30_000));
            berth.ok("run", "-d", "--name", "clean", "--restart", "on-failure", "busybox", "true");
            berth.ok("run", "-d", "--name", "looper", "--restart", "always", "busybox", "sleep", "0.2");
            Await.until("three restarts of an always container", 30_000, () -> restarts("looper") >= 3);
            berth.ok("stop", "-t", "0", "looper");
            String stopped = state("looper");
            // Nothing must happen now: the longest back-off so far is 800 ms, so 2 s is well past the next one.
            Thread.sleep(2_000);
            assertEquals(stopped, state("looper"), "a stopped container was restarted");
            assertEquals("exited 2", state("flaky"), "on-failure:2 restarted a third time");
            assertEquals("exited 0", state("clean"), "on-failure restarted a container that exited 0");
            berth.ok("start", "looper");
            assertTrue(restarts("looper") <= 1, "start did not count afresh: " + state("looper"));
            Result conflict = berth.berth("run", "--rm", "--restart", "always", "busybox", "true");
            assertEquals(125, conflict.exitCode());
            assertTrue(conflict.stderr().contains("cannot have a restart policy"), conflict.stderr());
            assertEquals(125, berth.berth("run", "-d", "--restart", "sometimes", "busybox", "true").exitCode());
        } finally {
            berth.berth("rm", "-f", "flaky", "clean", "looper");
        }
    }

    @Test
    void alwaysContainersComeBackWhenBerthdStartsAfterAReboot() throws Exception {
        try {
            berth.ok("run", "-d", "--name", "keeper", "--restart", "always", "busybox", "sleep", "1000");
            berth.ok("run", "-d", "--name", "bystander", "busybox", "sleep", "1000");
            String keeperPid = berth.ok("inspect", "-f", "{{.State.Pid}}", "keeper");
            String processes = berth.ok("inspect", "-f", "{{.ShimPid}} {{.State.Pid}}", "keeper", "bystander");
            // A reboot, as far as berthd can tell: it dies, and so does every shim and container of its own.
            berth.killDaemon();
            for (String pid : processes.split("\\s+")) {
                BerthHarness.run("kill", "-9", pid);
            }
            Await.until("the shims and containers gone", 10_000, () -> Arrays.stream(processes.split("\\s+"))
                    .noneMatch(pid -> Files.exists(Path.of("/proc", pid))));
            berth.startDaemon();
            Await.until("keeper running again", 30_000, () -> {
                try {
                    return state("keeper").startsWith("running");
                } catch (Exception e) {
                    return false;
                }
            });
            assertNotEquals(keeperPid, berth.ok("inspect", "-f", "{{.State.Pid}}", "keeper"));
            assertTrue(state("bystander").startsWith("exited"), state("bystander"));
        } finally {
            berth.berth("rm", "-f", "keeper", "bystander");
        }
    }

    private static int restarts(String name) {
        try {
            return Integer.parseInt(berth.ok("inspect", "-f", "{{.State.RestartCount}}", name).strip());
        } catch (Exception e) {
            return -1;
        }
    }
}
