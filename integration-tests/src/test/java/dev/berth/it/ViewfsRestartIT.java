package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.ViewFsProcess;
import dev.berth.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * berth-viewfs killed with SIGKILL and restarted under containers reading /proc/meminfo in a loop:
 * the restarted server must put its files back into every container, so that every reader reads its
 * own limit again. The killed server's keeper holds its connection, so reads in the gap wait rather
 * than fail: at most one read per reader fails (the one waiting when the keeper is ended).
 */
class ViewfsRestartIT {
    /**
     * 20 took 152 s here (78 s of it starting containers through the CLI on a 2-core host at load 20):
     * 10 keep it near a minute; -Dviewfs.readers=20 for the figure.
     */
    static final int READERS = Integer.getInteger("viewfs.readers", 10);
    static final int READ_INTERVAL_MILLIS = 200;
    private static Path mount;
    private static Path out;
    private static ViewFsProcess viewfs;
    private static BerthHarness berth;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "resource views need /dev/fuse");
        assumeTrue(Files.isExecutable(BerthHarness.REPO.resolve("shim/c/berth-viewfs-remount"))
                && Files.isExecutable(BerthHarness.REPO.resolve("shim/c/berth-viewfs-keeper")),
                "build berth-viewfs-remount and berth-viewfs-keeper first (make shim)");
        mount = Files.createTempDirectory(Path.of("/tmp"), "bvfr");
        berth = new BerthHarness(List.of("resource_views = \"" + mount + "\""));
        out = Files.createDirectory(berth.base().resolve("counts"));
        viewfs = new ViewFsProcess(mount, berth.cgroupParent(), berth.base().resolve("viewfs.log"));
        viewfs.start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (berth != null) {
                Path log = berth.base().resolve("viewfs.log");
                if (Files.exists(log)) {
                    System.out.println("viewfs log:\n" + Files.readString(log));
                }
                berth.close();
            }
        } finally {
            if (viewfs != null) {
                viewfs.close();
            }
        }
    }

    /** Each reader's "ok fail" counts, by reader number. */
    static long[][] counts() throws IOException {
        long[][] c = new long[READERS][];
        for (int i = 0; i < READERS; i++) {
            Path f = out.resolve("reader" + i);
            String s = Files.exists(f) ? Files.readString(f).strip() : "";
            String[] okFail = s.isEmpty() ? new String[] {"0", "0"} : s.split(" ");
            c[i] = new long[] {Long.parseLong(okFail[0]), Long.parseLong(okFail[1])};
        }
        return c;
    }

    static boolean all(java.util.function.Predicate<long[]> p) {
        try {
            for (long[] c : counts()) {
                if (!p.test(c)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Test
    void everyReaderReadsItsViewAgainAfterTheServerIsKilledAndRestarted() throws Exception {
        // busybox sh: one grep of the view per interval, counts written atomically to /out/readerN
        String loop = "n=$0; ok=0; fail=0; while :; do"
                + " if grep -q '^MemTotal: *65536 kB' /proc/meminfo 2>/dev/null; then ok=$((ok+1)); else fail=$((fail+1)); fi;"
                + " echo \"$ok $fail\" > /out/$n.tmp && mv /out/$n.tmp /out/$n; sleep " + READ_INTERVAL_MILLIS / 1000.0 + "; done";
        long startedAt = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                String name = "reader" + i;
                runs.add(pool.submit(() -> berth.ok("run", "-d", "--memory", "64m", "-v", out + ":/out", "busybox",
                        "sh", "-c", loop, name)));
            }
            for (Future<String> r : runs) {
                r.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(Await.eventually(() -> all(c -> c[0] >= 3), 30_000), "readers did not start reading");
        System.out.printf("ViewfsRestartIT: %d readers up in %d ms%n", READERS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        for (long[] c : counts()) {
            assertEquals(0, c[1], "no failed read before the kill");
        }

        long[][] atKill = counts();
        long killedAt = System.nanoTime();
        viewfs.kill();
        viewfs.start();
        // healed: every reader has read its view successfully a few times since the kill
        assertTrue(Await.eventually(() -> {
            try {
                long[][] now = counts();
                for (int i = 0; i < READERS; i++) {
                    if (now[i][0] < atKill[i][0] + 3) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }, 30_000), "not every reader reads its view again after the restart");
        long healedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

        long[][] healed = counts();
        // every reader goes on reading (a loop takes seconds at high load: no fixed window)
        assertTrue(Await.eventually(() -> {
            try {
                long[][] now = counts();
                for (int i = 0; i < READERS; i++) {
                    if (now[i][0] < healed[i][0] + 2) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }, 60_000), "a reader stopped reading after the heal: " + java.util.Arrays.deepToString(counts()));
        long[][] later = counts();
        long maxFailures = 0;
        long totalFailures = 0;
        StringBuilder perReader = new StringBuilder();
        for (int i = 0; i < READERS; i++) {
            long failures = later[i][1] - atKill[i][1];
            maxFailures = Math.max(maxFailures, failures);
            totalFailures += failures;
            perReader.append(failures).append(' ');
        }
        System.out.printf("ViewfsRestartIT: %d readers, a read every %d ms; kill to all reading again %d ms;"
                        + " failed reads per reader: %s(max %d, total %d)%n", READERS, READ_INTERVAL_MILLIS, healedMillis,
                perReader, maxFailures, totalFailures);
        for (int i = 0; i < READERS; i++) {
            assertEquals(healed[i][1], later[i][1], "reader" + i + " failed after the heal");
        }
        assertTrue(maxFailures <= 1, "at most one failed read per reader: " + perReader);
    }
}
