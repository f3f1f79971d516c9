package dev.berth.daemon.recovery;

import dev.berth.daemon.container.BrokenContainer;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.store.ContainerState;
import dev.berth.daemon.store.ContainerStore;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Finds every container again when berthd starts. Running ones are re-adopted with their shim (whose WAIT
 * answer also covers exits that happened while berthd was down, and a dead shim); containers whose
 * creation never finished, and directories a crash left without their record (a creation or removal cut
 * short), are removed, since no client was told they exist; a container whose files are unreadable
 * (container.json, state.json, bundle/config.json) is logged and registered as broken (listed as such,
 * not served, removable with force) or, when it belongs to a pod, removed as CRI-O removes the containers it
 * fails to restore, and the others are served.
 *
 * <p>berthd serves only once this is done, so it runs in three steps, the slow ones on {@link #THREADS}
 * threads: every container's files read (JSON parsing, the bulk of the time for running containers); the
 * containers registered one at a time in id order (cheap, and the order decides which of two records claiming
 * one name wins); then each run found again (a dead shim's exit recorded, which runs runc twice) and the
 * remains of cut-short creations removed.
 */
public final class Recovery {
    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());
    /**
     * Four: the hosts berthd is made for have 2-4 cores, and parsing is CPU work that more threads than cores
     * would only slow down; a dead shim's clean-up mostly waits for runc (50-120 ms a process), which two
     * threads more than a small host's cores keep overlapped. A fixed number, whatever the host: recovery
     * competes with the containers it finds for the CPU.
     */
    static final int THREADS = 4;

    public record Report(int adopted, int discarded, int broken) {
    }

    /** A container's files as read back, with the problem its bundle has, if any. */
    private record Found(ContainerStore.Loaded loaded, String bundleProblem) {
    }

    private final ContainerStore store;
    private final ContainerService containers;

    public Recovery(ContainerStore store, ContainerService containers) {
        this.store = store;
        this.containers = containers;
    }

    public Report run() {
        long began = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "berth-recovery");
            t.setDaemon(true);
            return t;
        });
        try {
            List<String> ids = store.ids();
            List<Found> found = new ArrayList<>();
            // The first read builds Jackson's deserializers for the files: alone, not raced by the others.
            if (!ids.isEmpty()) {
                found.add(read(ids.get(0)));
            }
            found.addAll(inParallel(pool, ids.subList(Math.min(1, ids.size()), ids.size()), this::read));
            long read = System.nanoTime();
            Tally tally = new Tally();
            List<Runnable> followUps = new ArrayList<>();
            for (Found f : found) {
                followUps.add(register(f, tally));
            }
            inParallel(pool, followUps, followUp -> {
                followUp.run();
                return null;
            });
            Report report = new Report(tally.adopted.get(), tally.discarded.get(), tally.broken.get());
            LOG.log(Level.INFO, "recovered {0} containers ({1} half-created removed, {2} unreadable) in {3} ms"
                    + " ({4} ms reading their files)", report.adopted(), report.discarded(), report.broken(),
                    Long.toString((System.nanoTime() - began) / 1_000_000), Long.toString((read - began) / 1_000_000));
            return report;
        } finally {
            pool.shutdown();
        }
    }

    /** The counts of a run, which its parallel steps update. */
    private static final class Tally {
        final AtomicInteger adopted = new AtomicInteger();
        final AtomicInteger discarded = new AtomicInteger();
        final AtomicInteger broken = new AtomicInteger();
    }

    private Found read(String id) {
        ContainerStore.Loaded loaded = store.load(id);
        if (loaded.leftover() || loaded.problem() != null
                || ContainerState.CREATING.equals(loaded.state().status())) {
            return new Found(loaded, null);
        }
        try {
            containers.checkBundle(loaded.record());
            return new Found(loaded, null);
        } catch (RuntimeException e) {
            return new Found(loaded, e.getMessage());
        }
    }

    /**
     * Registers what can be served at once; returns the slow rest, which may run beside the others' rests and
     * logs what it cannot do rather than stop berthd's start.
     */
    private Runnable register(Found f, Tally tally) {
        ContainerStore.Loaded loaded = f.loaded();
        String id = loaded.id();
        if (loaded.leftover()) {
            tally.discarded.incrementAndGet();
            return () -> logFailure(id, "remove the remains of a cut-short creation or removal",
                    () -> containers.discardLeftover(id));
        }
        String problem = loaded.problem() != null ? loaded.problem() : f.bundleProblem();
        if (problem != null) {
            tally.broken.incrementAndGet();
            return broken(new BrokenContainer(id, loaded.record(), problem));
        }
        if (ContainerState.CREATING.equals(loaded.state().status())) {
            tally.discarded.incrementAndGet();
            return () -> {
                try {
                    containers.discard(loaded.record());
                } catch (RuntimeException e) {
                    tally.discarded.decrementAndGet();
                    tally.broken.incrementAndGet();
                    containers.registerBroken(new BrokenContainer(id, loaded.record(),
                            "its half-done creation could not be removed: " + e.getMessage()));
                }
            };
        }
        Container c;
        try {
            c = containers.adopt(loaded.record(), loaded.state());
        } catch (RuntimeException e) {
            tally.broken.incrementAndGet();
            return broken(new BrokenContainer(id, loaded.record(), e.getMessage()));
        }
        tally.adopted.incrementAndGet();
        return () -> logFailure(id, "find its run again", () -> containers.reattach(c));
    }

    /**
     * kubelet, the client of a pod's containers, only ever sees the CRI, which does not show broken ones: those
     * are removed (the slow part, returned); the others are registered now, their names taken in id order.
     */
    private Runnable broken(BrokenContainer b) {
        if (b.record() != null && b.record().config().podId() != null) {
            return () -> containers.discardBroken(b);
        }
        containers.registerBroken(b);
        return () -> { };
    }

    private static void logFailure(String id, String operation, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "container {0}: {1}: {2}", id, operation, e.getMessage());
        }
    }

    /** {@code work} applied to each item on the pool; the results in the items' order. */
    private static <T, R> List<R> inParallel(ExecutorService pool, List<T> items, Function<T, R> work) {
        List<Future<R>> futures = new ArrayList<>();
        for (T item : items) {
            futures.add(pool.submit(() -> work.apply(item)));
        }
        List<R> results = new ArrayList<>();
        for (Future<R> f : futures) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
                // Each step logs and absorbs what one container's files can throw: this is a bug, not a fault.
                throw new IllegalStateException("recovery: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("recovery interrupted", e);
            }
        }
        return results;
    }
}
