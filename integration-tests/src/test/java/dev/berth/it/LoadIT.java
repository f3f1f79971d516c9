package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.CreateContainerRequest;
import dev.berth.cri.v1.ExecSyncRequest;
import dev.berth.cri.v1.ExecSyncResponse;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.LinuxPodSandboxConfig;
import dev.berth.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.cri.v1.ListContainerStatsRequest;
import dev.berth.cri.v1.ListContainersRequest;
import dev.berth.cri.v1.NamespaceMode;
import dev.berth.cri.v1.NamespaceOption;
import dev.berth.cri.v1.PodSandboxConfig;
import dev.berth.cri.v1.PodSandboxMetadata;
import dev.berth.cri.v1.RemoveContainerRequest;
import dev.berth.cri.v1.RemovePodSandboxRequest;
import dev.berth.cri.v1.RunPodSandboxRequest;
import dev.berth.cri.v1.RuntimeServiceGrpc;
import dev.berth.cri.v1.StartContainerRequest;
import dev.berth.cri.v1.StopContainerRequest;
import dev.berth.cri.v1.StopPodSandboxRequest;
import dev.berth.it.support.BerthHarness;
import dev.berth.it.support.CriChannel;
import dev.berth.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Many containers through their whole CRI lifecycle at once, against one real berthd, while two pollers list
 * them and their stats: every call succeeds, nothing deadlocks, and berthd ends with the fds, threads and
 * shims it started with. {@code -Dberth.load.containers=N} sets the count ({@code make soak} runs 100).
 */
class LoadIT {
    private static final int CONTAINERS = Integer.getInteger("berth.load.containers", 30);
    private static final int WORKERS = 8;
    private static final long OVERALL_MINUTES = 15;
    /**
     * gRPC's and berthd's cached thread pools keep an idle thread for 60 s: the counts are taken once those
     * of the warm-up have timed out and compared, with no tolerance, once those of the load have.
     */
    private static final long IDLE_THREAD_EXPIRY_MILLIS = 65_000;
    private static final String IMAGE = "localhost/busybox:latest";

    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    @Test
    void containersRunConcurrentlyWithoutLeaksOrDeadlock() throws Exception {
        try (BerthHarness berth = new BerthHarness()) {
            CriChannel cri = new CriChannel(berth.criSocket(), 2);
            RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime = cri.runtime();
            String podId = null;
            try {
                PodSandboxConfig pod = podConfig(berth);
                podId = runtime.withDeadlineAfter(60, TimeUnit.SECONDS).runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
                // One lifecycle first, so that what berthd creates once (pools, the exit monitor's selector,
                // the gRPC server's threads) is in the counts before, not taken for a leak after.
                lifecycle(runtime, podId, pod, "warm-up");
                latencies.clear();
                assertTrue(failures.isEmpty(), "the warm-up failed: " + failures);
                // Idle pool threads expire by time, not on a condition a test can see.
                Thread.sleep(IDLE_THREAD_EXPIRY_MILLIS);
                Counts before = Counts.of(berth);

                long started = System.nanoTime();
                runLoad(runtime, podId, pod);
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);

                assertTrue(failures.isEmpty(), failures.size() + " calls failed, first ones: "
                        + failures.stream().limit(5).toList());
                assertEquals(0, runtime.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount(),
                        "every container was removed");
                report(seconds);
                Counts after = awaitCountsBackTo(berth, before);
                System.out.println("LoadIT: berthd before " + before + ", after " + after);
                assertEquals(before.shims(), after.shims(), "shims before " + before + ", after " + after);
                assertTrue(after.fds() <= before.fds(), "berthd's fds before " + before + ", after " + after
                        + "\n" + fdTargets(berth));
                assertTrue(after.threads() <= before.threads(), "berthd's threads before " + before + ", after "
                        + after);
            } finally {
                if (podId != null) {
                    var rt = runtime.withDeadlineAfter(60, TimeUnit.SECONDS);
                    rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
                    rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
                }
                cri.close();
            }
        }
    }

    private void runLoad(RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, String podId, PodSandboxConfig pod)
            throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        ExecutorService pollers = Executors.newFixedThreadPool(2);
        AtomicBoolean done = new AtomicBoolean();
        try {
            List<Future<?>> polls = List.of(
                    pollers.submit(() -> poll(done, "list", () -> runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
                            .listContainers(ListContainersRequest.getDefaultInstance()))),
                    pollers.submit(() -> poll(done, "stats", () -> runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
                            .listContainerStats(ListContainerStatsRequest.getDefaultInstance()))));
            List<Future<?>> lifecycles = new ArrayList<>();
            for (int i = 0; i < CONTAINERS; i++) {
                String name = "c" + i;
                lifecycles.add(workers.submit(() -> lifecycle(runtime, podId, pod, name)));
            }
            workers.shutdown();
            assertTrue(workers.awaitTermination(OVERALL_MINUTES, TimeUnit.MINUTES),
                    "deadlock? the lifecycles did not finish within " + OVERALL_MINUTES + " min");
            for (Future<?> f : lifecycles) {
                f.get();
            }
            done.set(true);
            for (Future<?> f : polls) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            done.set(true);
            workers.shutdownNow();
            pollers.shutdownNow();
        }
    }

    private void lifecycle(RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, String podId, PodSandboxConfig pod,
                           String name) {
        String id = timed("create", () -> runtime.withDeadlineAfter(120, TimeUnit.SECONDS).createContainer(
                CreateContainerRequest.newBuilder().setPodSandboxId(podId).setSandboxConfig(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                                .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                                // PID 1 ignores SIGTERM unless it asks for it: this one exits on it at once.
                                .addAllCommand(List.of("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait")))
                        .build()).getContainerId());
        if (id == null) {
            return;
        }
        try {
            if (timed("start", () -> runtime.withDeadlineAfter(120, TimeUnit.SECONDS).startContainer(
                    StartContainerRequest.newBuilder().setContainerId(id).build())) == null) {
                return;
            }
            ExecSyncResponse exec = timed("exec", () -> runtime.withDeadlineAfter(120, TimeUnit.SECONDS).execSync(
                    ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of("echo", name)).setTimeout(60)
                            .build()));
            if (exec != null && (exec.getExitCode() != 0 || !exec.getStdout().toStringUtf8().equals(name + "\n"))) {
                failures.add("exec in " + name + ": exit " + exec.getExitCode() + ", stdout '"
                        + exec.getStdout().toStringUtf8() + "', stderr '" + exec.getStderr().toStringUtf8() + "'");
            }
            timed("stop", () -> runtime.withDeadlineAfter(120, TimeUnit.SECONDS).stopContainer(
                    StopContainerRequest.newBuilder().setContainerId(id).setTimeout(10).build()));
        } finally {
            timed("remove", () -> runtime.withDeadlineAfter(120, TimeUnit.SECONDS).removeContainer(
                    RemoveContainerRequest.newBuilder().setContainerId(id).build()));
        }
    }

    private void poll(AtomicBoolean done, String op, Supplier<?> call) {
        while (!done.get()) {
            timed(op, call);
        }
    }

    /** The call's result, or null with the failure recorded. */
    private <T> T timed(String op, Supplier<T> call) {
        long start = System.nanoTime();
        try {
            T result = call.get();
            latencies.computeIfAbsent(op, k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(System.nanoTime() - start);
            return result;
        } catch (RuntimeException e) {
            failures.add(op + ": " + e);
            return null;
        }
    }

    private void report(long seconds) {
        StringBuilder out = new StringBuilder("LoadIT: " + CONTAINERS + " containers, " + WORKERS
                + " workers, 2 pollers, " + seconds + " s\n");
        Map<String, List<Long>> sorted = new LinkedHashMap<>();
        for (String op : List.of("create", "start", "exec", "stop", "remove", "list", "stats")) {
            List<Long> l = new ArrayList<>(latencies.getOrDefault(op, List.of()));
            Collections.sort(l);
            sorted.put(op, l);
        }
        sorted.forEach((op, l) -> out.append(String.format("  %-7s n=%-5d p50=%6d ms  p99=%6d ms  max=%6d ms%n", op,
                l.size(), percentile(l, 50), percentile(l, 99), l.isEmpty() ? 0 : l.get(l.size() - 1) / 1_000_000)));
        System.out.print(out);
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, rank)) / 1_000_000;
    }

    private static PodSandboxConfig podConfig(BerthHarness berth) {
        // Host network: the load is on the container lifecycle, not on CNI.
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("load").setNamespace("default")
                        .setUid("uid-load").setAttempt(0))
                .setLogDirectory(berth.base().resolve("logs").toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(berth.cgroupParent() + "/pod-load")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                .build();
    }

    /** berthd's open fds and threads, and the shims of this berthd on the host. */
    record Counts(int fds, int threads, int shims) {
        static Counts of(BerthHarness berth) {
            Path proc = Path.of("/proc", Long.toString(berth.daemonPid()));
            return new Counts(count(proc.resolve("fd")), count(proc.resolve("task")), shims(berth));
        }

        private static int count(Path dir) {
            try (Stream<Path> entries = Files.list(dir)) {
                return (int) entries.count();
            } catch (IOException e) {
                throw new AssertionError("list " + dir + ": " + e);
            }
        }

        private static int shims(BerthHarness berth) {
            String stateDirs = berth.runRoot().resolve("shims").toString();
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                return (int) procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                        .map(p -> {
                            try {
                                return Files.readString(p.resolve("cmdline"), StandardCharsets.ISO_8859_1);
                            } catch (IOException e) {
                                return "";
                            }
                        })
                        .filter(cmd -> cmd.startsWith(BerthHarness.shim().toString()) && cmd.contains(stateDirs))
                        .count();
            } catch (IOException e) {
                throw new AssertionError("list /proc: " + e);
            }
        }
    }

    /** The counts once they are back to {@code target}, or after the idle threads' expiry and a margin. */
    private static Counts awaitCountsBackTo(BerthHarness berth, Counts target) {
        try {
            return Await.lastValue(() -> Counts.of(berth), now -> now.fds() <= target.fds()
                    && now.threads() <= target.threads() && now.shims() == target.shims(),
                    IDLE_THREAD_EXPIRY_MILLIS + 25_000);
        } catch (Exception e) {
            throw new AssertionError("count berthd's fds and threads: " + e, e);
        }
    }

    private static String fdTargets(BerthHarness berth) {
        Path fds = Path.of("/proc", Long.toString(berth.daemonPid()), "fd");
        try (Stream<Path> entries = Files.list(fds)) {
            return String.join("\n", entries.map(p -> {
                try {
                    return p.getFileName() + " -> " + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + " -> ?";
                }
            }).toList());
        } catch (IOException e) {
            return "list " + fds + ": " + e;
        }
    }
}
