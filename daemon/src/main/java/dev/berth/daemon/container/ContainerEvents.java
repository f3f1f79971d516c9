package dev.berth.daemon.container;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Lifecycle events of containers, for the CRI's GetContainerEvents stream. Listeners must not block. */
public final class ContainerEvents {
    private static final System.Logger LOG = System.getLogger(ContainerEvents.class.getName());

    public enum Type { CREATED, STARTED, STOPPED, DELETED }

    public interface Listener {
        void on(Type type, Container container);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Registers a listener; the returned handle unregisters it. */
    public Runnable subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void publish(Type type, Container container) {
        for (Listener l : listeners) {
            try {
                l.on(type, container);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "container " + container.id() + ": event listener failed on "
                        + type + ": " + e);
            }
        }
    }
}
