package dev.berth.viewfs.cgroup;

import dev.berth.viewfs.caller.CgroupParents;
import dev.berth.viewfs.caller.ContainerCgroup;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.view.LoadAverage;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Per-container load averages. One daemon thread wakes every 5 seconds (the kernel's LOAD_FREQ),
 * lists the containers (CgroupSource.containers), counts each one's runnable and uninterruptible threads
 * and feeds the count into that container's {@link LoadAverage}. A tick costs one directory listing
 * per container plus one small /proc read per thread, so 500 containers stay in the tens of
 * milliseconds. State of containers whose cgroup is gone is dropped on the next tick.
 */
public final class LoadTracker implements AutoCloseable {
    public static final long TICK_SECONDS = 5;
    private static final System.Logger LOG = System.getLogger(LoadTracker.class.getName());

    /** What /proc/loadavg shows besides the averages, from the same tick. */
    public record Load(long[] avenrun, int running, int total, int lastPid) {
    }

    private static final class Entry {
        final LoadAverage average = new LoadAverage();
        volatile Load last;
    }

    private final CgroupSource source;
    private final CgroupParents parents;
    private final ProcFs proc;
    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    public LoadTracker(CgroupSource source, CgroupParents parents, ProcFs proc) {
        this.source = source;
        this.parents = parents;
        this.proc = proc;
    }

    public synchronized void start() {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "viewfs-loadavg");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::tickLogged, 0, TICK_SECONDS, TimeUnit.SECONDS);
    }

    private void tickLogged() {
        try {
            tick();
        } catch (RuntimeException e) {
            // a failing tick must not cancel the schedule
            LOG.log(System.Logger.Level.WARNING, "viewfs loadavg tick: " + e, e);
        }
    }

    /** One 5-second sample of every container. */
    public void tick() {
        Set<String> seen = new HashSet<>();
        for (ContainerCgroup c : source.containers(parents)) {
            seen.add(c.id());
            Load now = countNow(c);
            Entry e = byId.computeIfAbsent(c.id(), k -> new Entry());
            e.average.update(now.running());
            e.last = new Load(e.average.snapshot(), now.running(), now.total(), now.lastPid());
        }
        byId.keySet().retainAll(seen);
    }

    /**
     * The container's figures from the last tick; a container younger than one tick gets zero
     * averages and task counts taken now.
     */
    public Load load(ContainerCgroup c) {
        Entry e = byId.get(c.id());
        Load last = e == null ? null : e.last;
        return last != null ? last : countNow(c);
    }

    private Load countNow(ContainerCgroup c) {
        List<Integer> tids = source.threads(c);
        int running = 0;
        int last = 0;
        for (int tid : tids) {
            char state = proc.threadState(tid);
            if (state == 'R' || state == 'D') {
                running++;
            }
            last = Math.max(last, tid);
        }
        return new Load(new long[3], running, tids.size(), last);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
