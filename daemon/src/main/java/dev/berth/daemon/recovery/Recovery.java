package dev.berth.daemon.recovery;

import dev.berth.daemon.container.BrokenContainer;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.store.ContainerState;
import dev.berth.daemon.store.ContainerStore;
import java.lang.System.Logger.Level;

/**
 * Finds every container again when berthd starts. Running ones are re-adopted with their shim (whose WAIT
 * answer also covers exits that happened while berthd was down, and a dead shim); containers whose
 * creation never finished, and directories a crash left without their record (a creation or removal cut
 * short), are removed, since no client was told they exist; a container whose files are unreadable
 * (container.json, state.json, bundle/config.json) is logged and registered as broken (listed as such,
 * not served, removable with force) or, when it belongs to a pod, removed as CRI-O removes the containers it
 * fails to restore, and the others are served.
 */
public final class Recovery {
    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    public record Report(int adopted, int discarded, int broken) {
    }

    private final ContainerStore store;
    private final ContainerService containers;

    public Recovery(ContainerStore store, ContainerService containers) {
        this.store = store;
        this.containers = containers;
    }

    public Report run() {
        int adopted = 0;
        int discarded = 0;
        int broken = 0;
        for (ContainerStore.Loaded loaded : store.loadAll()) {
            if (loaded.leftover()) {
                containers.discardLeftover(loaded.id());
                discarded++;
                continue;
            }
            if (loaded.problem() != null) {
                broken++;
                broken(new BrokenContainer(loaded.id(), loaded.record(), loaded.problem()));
                continue;
            }
            try {
                if (ContainerState.CREATING.equals(loaded.state().status())) {
                    containers.discard(loaded.record());
                    discarded++;
                } else {
                    containers.checkBundle(loaded.record());
                    containers.adopt(loaded.record(), loaded.state());
                    adopted++;
                }
            } catch (RuntimeException e) {
                broken++;
                broken(new BrokenContainer(loaded.id(), loaded.record(), e.getMessage()));
            }
        }
        LOG.log(Level.INFO, "recovered {0} containers ({1} half-created removed, {2} unreadable)", adopted,
                discarded, broken);
        return new Report(adopted, discarded, broken);
    }

    /** kubelet, the client of a pod's containers, only ever sees the CRI, which does not show broken ones. */
    private void broken(BrokenContainer b) {
        if (b.record() != null && b.record().config().podId() != null) {
            containers.discardBroken(b);
        } else {
            containers.registerBroken(b);
        }
    }
}
