package dev.berth.viewfs.cgroup;

import dev.berth.viewfs.caller.ContainerCgroup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Each container's {@link Limits}, so that an open reads only the counters. An entry is re-read
 * once it is {@link #MAX_AGE_NANOS} old, on the next open that needs it: a limit changed anywhere up
 * the hierarchy (berth update on the container, an operator on a parent) shows in the views within
 * that time, as the issue asks ("within a second"). Neither kernfs mtimes nor inotify report writes
 * to cgroup limit files, so age is the only cheap signal. Idle containers cost nothing; entries of
 * containers not read for a while are dropped, which also forgets removed containers.
 */
public final class LimitsCache {
    public static final long MAX_AGE_NANOS = 500_000_000L;
    private static final long FORGET_NANOS = 30_000_000_000L;
    /** How long after its cgroup appears a container's limits are read afresh at every open. */
    static final long SETTLING_NANOS = 2_000_000_000L;

    private record Entry(Limits limits, long loadedAt) {
    }

    private final CgroupSource source;
    private final LongSupplier nanoTime;
    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private volatile long lastSweep;

    /** @param nanoTime a monotonic clock (System::nanoTime; tests step their own) */
    public LimitsCache(CgroupSource source, LongSupplier nanoTime) {
        this.source = source;
        this.nanoTime = nanoTime;
        this.lastSweep = nanoTime.getAsLong();
    }

    public Limits get(ContainerCgroup c) {
        long now = nanoTime.getAsLong();
        Entry e = byId.get(c.id());
        if (e != null && now - e.loadedAt < MAX_AGE_NANOS) {
            return e.limits;
        }
        // two opens racing here both read: cheaper than making every open wait on a lock
        Entry fresh = new Entry(source.limits(c), now);
        if (System.currentTimeMillis() * 1_000_000L - fresh.limits.createdEpochNanos() < SETTLING_NANOS) {
            // A container this young may not have its limits yet: runc's init already reads the views
            // (its bind mounts reach us) before runc writes the limits, and those must not stick.
            return fresh.limits;
        }
        byId.put(c.id(), fresh);
        if (now - lastSweep > FORGET_NANOS) {
            lastSweep = now;
            byId.values().removeIf(old -> now - old.loadedAt > FORGET_NANOS);
        }
        return fresh.limits;
    }
}
