package dev.berth.cgroups.systemd;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Pings systemd's watchdog only while the service's vital threads still answer: a timer alone would keep
 * pinging from a daemon whose event loop or exit monitor hangs, and systemd would never restart it.
 */
public final class Watchdog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());

    /** A liveness check: the future completes on the checked thread, so an answer proves it runs. */
    public record Probe(String name, Supplier<CompletableFuture<?>> ping) {
    }

    private final SdNotify notify;
    private final Duration interval;
    private final List<Probe> probes;
    private ScheduledExecutorService timer;

    public Watchdog(SdNotify notify, Duration interval, List<Probe> probes) {
        this.notify = notify;
        this.interval = interval;
        this.probes = List.copyOf(probes);
    }

    public void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sd-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "watchdog: pinging systemd every {0} ms while {1} answer", String.valueOf(interval.toMillis()),
                probes.stream().map(Probe::name).toList());
    }

    /**
     * Asks every probe, waits at most half the interval for all of them (so a ping still lands within
     * WatchdogSec), and pings only if all answered. Returns whether it pinged.
     */
    public boolean check() {
        long deadline = System.nanoTime() + interval.toNanos() / 2;
        List<CompletableFuture<?>> asked = new ArrayList<>();
        for (Probe p : probes) {
            try {
                asked.add(p.ping().get());
            } catch (RuntimeException e) {
                asked.add(CompletableFuture.failedFuture(e));
            }
        }
        List<String> silent = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            try {
                asked.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                silent.add(probes.get(i).name());
            }
        }
        if (!silent.isEmpty()) {
            LOG.log(Level.ERROR, "watchdog: {0} did not answer within {1} ms; not pinging systemd", silent,
                    String.valueOf(interval.toMillis() / 2));
            return false;
        }
        return notify.send("WATCHDOG=1");
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
