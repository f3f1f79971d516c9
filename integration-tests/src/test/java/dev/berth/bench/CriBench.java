package dev.berth.bench;

import dev.berth.cri.v1.PodSandboxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The CRI benchmark: the same Java CRI client drives every runtime given with {@code --target}, over its unix
 * socket, and measures pod and container full cycles, image pulls and a burst of pods started in parallel.
 * The cycles, pulls and batches of pods alternate between the runtimes (and which one goes first), so that
 * the load of a shared machine falls on all of them alike. Warm-up iterations are run and not counted.
 * bench/cri.sh sets up the runtimes, the registry and the image, and runs this with {@code java -cp}.
 *
 * <pre>
 * CriBench --target NAME,SOCKET,CGROUP_PARENT [--target ...] --image REF --logs DIR --out DIR
 *          [--iterations 30] [--pull-iterations 30] [--warmup 3] [--pods 100] [--parallel 2]
 * CriBench --cleanup --target ... --logs DIR      # removes every pod of each target, nothing else
 * </pre>
 */
public final class CriBench {
    /** Pods per runtime per turn in the parallel phase. */
    private static final int BATCH = 10;
    private final List<CriTarget> targets;
    private final String image;
    private final int iterations;
    private final int pullIterations;
    private final int warmup;
    private final int pods;
    private final int parallel;
    /** operation -> target name -> samples, in the order the table shows them. */
    private final Map<String, Map<String, LatencyStats>> results = new LinkedHashMap<>();

    private CriBench(List<CriTarget> targets, String image, int iterations, int pullIterations, int warmup,
                     int pods, int parallel) {
        this.targets = targets;
        this.image = image;
        this.iterations = iterations;
        this.pullIterations = pullIterations;
        this.warmup = warmup;
        this.pods = pods;
        this.parallel = parallel;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> targetSpecs = new ArrayList<>();
        boolean cleanupOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cleanup" -> cleanupOnly = true;
                case "--target" -> targetSpecs.add(value(args, ++i, "--target"));
                case "--image", "--logs", "--out", "--iterations", "--pull-iterations", "--warmup", "--pods",
                        "--parallel" -> options.put(args[i], value(args, ++i, args[i]));
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (targetSpecs.isEmpty() || !options.containsKey("--logs")) {
            throw new IllegalArgumentException("needs --target NAME,SOCKET,CGROUP_PARENT and --logs DIR");
        }
        List<CriTarget> targets = new ArrayList<>();
        try {
            for (String spec : targetSpecs) {
                String[] parts = spec.split(",", 3);
                if (parts.length != 3) {
                    throw new IllegalArgumentException("--target wants NAME,SOCKET,CGROUP_PARENT, got " + spec);
                }
                targets.add(new CriTarget(parts[0], Path.of(parts[1]), parts[2],
                        Path.of(options.get("--logs")).resolve(parts[0])));
            }
            if (cleanupOnly) {
                cleanUp(targets);
                return;
            }
            if (!options.containsKey("--image") || !options.containsKey("--out")) {
                throw new IllegalArgumentException("needs --image REF and --out DIR");
            }
            CriBench bench = new CriBench(targets, options.get("--image"), number(options, "--iterations", 30),
                    number(options, "--pull-iterations", 30), number(options, "--warmup", 3),
                    number(options, "--pods", 100), number(options, "--parallel", 2));
            try {
                bench.run();
            } finally {
                cleanUp(targets);
            }
            bench.report(Path.of(options.get("--out")));
        } finally {
            for (CriTarget t : targets) {
                t.close();
            }
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int number(Map<String, String> options, String option, int fallback) {
        String v = options.get(option);
        int n = v == null ? fallback : Integer.parseInt(v);
        if (n < 0 || (n == 0 && !option.equals("--warmup"))) {
            throw new IllegalArgumentException(option + " must be positive, got " + v);
        }
        return n;
    }

    /** Every target tries its clean-up even when another one's fails. */
    private static void cleanUp(List<CriTarget> targets) {
        for (CriTarget t : targets) {
            try {
                System.out.println("clean-up: " + t.name() + ": removed " + t.removeAllPods() + " pods");
            } catch (RuntimeException e) {
                System.err.println("clean-up: " + e.getMessage());
            }
        }
    }

    private void run() throws Exception {
        for (CriTarget t : targets) {
            System.out.println(t.name() + ": " + t.version());
        }
        benchImagePull();
        for (CriTarget t : targets) {
            t.pullImage(image);
        }
        benchPodCycle();
        benchContainerCycle();
        benchParallelPods();
    }

    private LatencyStats stats(String operation, CriTarget target) {
        return results.computeIfAbsent(operation, o -> new LinkedHashMap<>())
                .computeIfAbsent(target.name(), n -> new LatencyStats());
    }

    /** The targets in turns: iteration i starts with target i mod n. */
    private List<CriTarget> turn(int iteration) {
        List<CriTarget> order = new ArrayList<>(targets);
        java.util.Collections.rotate(order, -(iteration % targets.size()));
        return order;
    }

    private static long since(long start) {
        return System.nanoTime() - start;
    }

    /** A cold pull each time: the image is removed (untimed) after every pull. */
    private void benchImagePull() {
        System.out.println("== image pull of " + image + ": " + warmup + " warm-up + " + pullIterations);
        for (int i = 0; i < warmup + pullIterations; i++) {
            for (CriTarget t : turn(i)) {
                long start = System.nanoTime();
                t.pullImage(image);
                long took = since(start);
                t.removeImage(image);
                if (i >= warmup) {
                    stats("image pull (PullImage, cold)", t).add(took);
                }
            }
        }
    }

    private void benchPodCycle() {
        System.out.println("== pod cycle: " + warmup + " warm-up + " + iterations);
        for (int i = 0; i < warmup + iterations; i++) {
            for (CriTarget t : turn(i)) {
                PodSandboxConfig config = t.podConfig("cycle-" + i);
                long start = System.nanoTime();
                String id = t.runPod(config);
                long ran = since(start);
                t.stopPod(id);
                long stopped = since(start);
                t.removePod(id);
                long removed = since(start);
                if (i >= warmup) {
                    stats("pod cycle (Run+Stop+Remove)", t).add(removed);
                    stats("  RunPodSandbox", t).add(ran);
                    stats("  StopPodSandbox", t).add(stopped - ran);
                    stats("  RemovePodSandbox", t).add(removed - stopped);
                }
            }
        }
    }

    /** In one pod per target that lives through the whole phase, as a pod's containers would. */
    private void benchContainerCycle() {
        System.out.println("== container cycle: " + warmup + " warm-up + " + iterations);
        Map<CriTarget, String> podIds = new LinkedHashMap<>();
        Map<CriTarget, PodSandboxConfig> podConfigs = new LinkedHashMap<>();
        for (CriTarget t : targets) {
            PodSandboxConfig config = t.podConfig("containers");
            podConfigs.put(t, config);
            podIds.put(t, t.runPod(config));
        }
        for (int i = 0; i < warmup + iterations; i++) {
            for (CriTarget t : turn(i)) {
                long start = System.nanoTime();
                String id = t.createSleeper(podIds.get(t), podConfigs.get(t), "sleeper-" + i, image);
                long created = since(start);
                t.startContainer(id);
                long started = since(start);
                t.stopContainer(id);
                long stopped = since(start);
                t.removeContainer(id);
                long removed = since(start);
                if (i >= warmup) {
                    stats("container cycle (Create+Start+Stop+Remove)", t).add(removed);
                    stats("  CreateContainer", t).add(created);
                    stats("  StartContainer", t).add(started - created);
                    stats("  StopContainer", t).add(stopped - started);
                    stats("  RemoveContainer", t).add(removed - stopped);
                }
            }
        }
        for (CriTarget t : targets) {
            t.stopPod(podIds.get(t));
            t.removePod(podIds.get(t));
        }
    }

    /**
     * {@code pods} RunPodSandbox calls per runtime, {@code parallel} at a time, in batches of {@link #BATCH} that
     * alternate between the runtimes (so a change in the machine's load falls on both); the pods stay until all
     * are up. Each call's own latency is a sample; the summed batch wall times over the number of pods is the
     * throughput figure. The pods are removed afterwards, untimed.
     */
    private void benchParallelPods() throws Exception {
        System.out.println("== " + pods + " pods per runtime, " + parallel + " at a time, in batches of " + BATCH);
        String operation = pods + " pods, " + parallel + " in parallel";
        Map<CriTarget, List<String>> ids = new LinkedHashMap<>();
        Map<CriTarget, Long> wall = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            for (int batch = 0; batch * BATCH < pods; batch++) {
                for (CriTarget t : turn(batch)) {
                    LatencyStats latency = stats(operation + ": RunPodSandbox", t);
                    List<Future<String>> runs = new ArrayList<>();
                    long start = System.nanoTime();
                    for (int i = batch * BATCH; i < Math.min(pods, (batch + 1) * BATCH); i++) {
                        PodSandboxConfig config = t.podConfig("burst-" + i);
                        runs.add(pool.submit(() -> {
                            long podStart = System.nanoTime();
                            String id = t.runPod(config);
                            latency.add(since(podStart));
                            return id;
                        }));
                    }
                    for (Future<String> f : runs) {
                        ids.computeIfAbsent(t, k -> new ArrayList<>()).add(f.get());
                    }
                    wall.merge(t, since(start), Long::sum);
                }
            }
            for (CriTarget t : targets) {
                stats(operation + ": wall time / pod", t).add(wall.get(t) / pods);
            }
            List<Future<?>> removals = new ArrayList<>();
            for (var entry : ids.entrySet()) {
                for (String id : entry.getValue()) {
                    removals.add(pool.submit(() -> {
                        entry.getKey().stopPod(id);
                        entry.getKey().removePod(id);
                    }));
                }
            }
            for (Future<?> f : removals) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The markdown table (mean / p50 / p99 in ms per runtime) on stdout and in OUT/cri.md, raw samples beside. */
    private void report(Path out) throws IOException {
        Files.createDirectories(out);
        StringBuilder table = new StringBuilder("| operation (ms: mean / p50 / p99) |");
        StringBuilder rule = new StringBuilder("|---|");
        for (CriTarget t : targets) {
            table.append(' ').append(t.name()).append(" |");
            rule.append("---|");
        }
        table.append(" n |\n").append(rule).append("---|\n");
        for (var operation : results.entrySet()) {
            table.append("| ").append(operation.getKey().startsWith(" ")
                    ? "&nbsp;&nbsp;" + operation.getKey().strip() : operation.getKey()).append(" |");
            int n = 0;
            for (CriTarget t : targets) {
                LatencyStats s = operation.getValue().get(t.name());
                table.append(' ').append(s == null ? "" : s.summary()).append(" |");
                n = s == null ? n : s.count();
                if (s != null) {
                    String file = t.name() + "-" + operation.getKey().strip().replaceAll("[^A-Za-z0-9]+", "-")
                            .replaceAll("-$", "").toLowerCase(Locale.ROOT) + ".txt";
                    Files.writeString(out.resolve(file), s.samplesMillis());
                }
            }
            table.append(' ').append(n).append(" |\n");
        }
        Files.writeString(out.resolve("cri.md"), table);
        System.out.print(table);
    }
}
