package dev.berth.daemon.bootstrap;

import dev.berth.daemon.config.ConfigLoader;
import dev.berth.daemon.config.DaemonConfig;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Re-reads the configuration (SIGHUP, `systemctl reload`) and applies the keys that can change in a
 * running daemon. Every other changed key is reported and left at its running value until a restart,
 * so that {@link #current()} always describes what berthd really does.
 */
final class ConfigReloader {
    private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

    /** What a reload did: the keys applied and the keys that wait for a restart, each as "old -> new". */
    record Result(Map<String, String> applied, Map<String, String> needRestart, String error) {
    }

    private final Supplier<DaemonConfig> load;
    /** Keys that may change live, with what applies them; a key read at each use needs no action. */
    private final Map<String, Consumer<DaemonConfig>> live;
    private volatile DaemonConfig current;

    ConfigReloader(Supplier<DaemonConfig> load, DaemonConfig current, Map<String, Consumer<DaemonConfig>> live) {
        this.load = load;
        this.current = current.withSocketResolved();
        this.live = Map.copyOf(live);
    }

    DaemonConfig current() {
        return current;
    }

    synchronized Result reload() {
        DaemonConfig next;
        try {
            next = load.get().withSocketResolved();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "reload config: {0}; keeping the running configuration", e.getMessage());
            return new Result(Map.of(), Map.of(), e.getMessage());
        }
        Map<String, Object> was = ConfigLoader.toMap(current);
        Map<String, Object> now = ConfigLoader.toMap(next);
        Map<String, Object> running = new LinkedHashMap<>(was);
        Map<String, String> applied = new LinkedHashMap<>();
        Map<String, String> needRestart = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, Object> e : now.entrySet()) {
            String key = e.getKey();
            Object old = was.get(key);
            if (Objects.equals(old, e.getValue())) {
                continue;
            }
            String change = old + " -> " + e.getValue();
            Consumer<DaemonConfig> apply = live.get(key);
            if (apply == null) {
                needRestart.put(key, change);
                LOG.log(Level.WARNING, "reload config: {0} changed ({1}) but needs a restart; ignored until then",
                        key, change);
                continue;
            }
            try {
                apply.accept(next);
                running.put(key, e.getValue());
                applied.put(key, change);
                LOG.log(Level.INFO, "reload config: {0} {1}", key, change);
            } catch (RuntimeException ex) {
                failed.add(key + ": " + ex.getMessage());
                LOG.log(Level.ERROR, "reload config: apply {0} ({1}): {2}", key, change, ex.getMessage());
            }
        }
        current = ConfigLoader.fromMap(running);
        if (applied.isEmpty() && needRestart.isEmpty() && failed.isEmpty()) {
            LOG.log(Level.INFO, "reload config: nothing changed");
        }
        return new Result(applied, needRestart, failed.isEmpty() ? null : String.join("; ", failed));
    }
}
