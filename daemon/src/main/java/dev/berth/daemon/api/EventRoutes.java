package dev.berth.daemon.api;

import dev.berth.daemon.api.model.ContainerEvent;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerEvents;
import dev.berth.daemon.logs.TimeWindow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/events}: containers' lifecycle events as JSON lines, the recent ones first when
 * {@code since} asks for them (the last {@value #HISTORY} are kept in memory, so not across a berthd
 * restart), then live ones until {@code until} or until the client goes.
 */
public final class EventRoutes {
    static final int HISTORY = 1024;
    private static final Set<String> FILTERS = Set.of("container", "event", "image", "label", "type");

    private final Deque<ContainerEvent> history = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new ArrayList<>();

    private interface Subscriber {
        void on(ContainerEvent e);
    }

    public EventRoutes(ContainerEvents events) {
        events.subscribe(this::record);
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("GET", "/v1/events", (ex, m) -> stream(ex));
    }

    private static ContainerEvent event(ContainerEvents.Type type, Container c) {
        String action = switch (type) {
            case CREATED -> "create";
            case STARTED -> "start";
            case STOPPED -> "die";
            case DELETED -> "destroy";
        };
        Map<String, String> labels = c.record().config().labels();
        return new ContainerEvent(Instant.now(), "container", action, c.id(), c.record().name(), c.record().image(),
                type == ContainerEvents.Type.STOPPED ? c.state().exitCode() : null, labels == null ? Map.of() : labels);
    }

    private void record(ContainerEvents.Type type, Container c) {
        ContainerEvent e = event(type, c);
        List<Subscriber> now;
        synchronized (this) {
            history.addLast(e);
            if (history.size() > HISTORY) {
                history.removeFirst();
            }
            now = List.copyOf(subscribers);
        }
        for (Subscriber s : now) {
            s.on(e);
        }
    }

    private void stream(Exchange ex) {
        TimeWindow window = TimeWindow.parse("events", ex.query("since"), ex.query("until"));
        Filters filters = Filters.parse("events", ex.query("filters"), FILTERS);
        boolean ended = window.until() != null && !window.until().isAfter(Instant.now());
        ex.startJsonLines();
        Subscriber live = e -> {
            if (matches(e, filters) && !window.tooLate(e.time())) {
                ex.jsonLine(e);
            }
        };
        // the past and the subscription under one lock: no event is lost or sent twice between them
        synchronized (this) {
            if (window.since() != null) {
                for (ContainerEvent e : history) {
                    if (!window.tooEarly(e.time()) && !window.tooLate(e.time()) && matches(e, filters)) {
                        ex.jsonLine(e);
                    }
                }
            }
            if (!ended) {
                subscribers.add(live);
            }
        }
        if (ended) {
            ex.endJsonLines();
            return;
        }
        ex.onClose(() -> unsubscribe(live));
        if (window.until() != null) {
            ex.later(Duration.between(Instant.now(), window.until()), () -> {
                unsubscribe(live);
                ex.endJsonLines();
            });
        }
    }

    private synchronized void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    private static boolean matches(ContainerEvent e, Filters filters) {
        return filters.any("container", v -> e.id().startsWith(v) || v.equals(e.name()))
                && filters.any("event", v -> v.equals(e.action()))
                && filters.any("image", v -> v.equals(e.image()))
                && filters.any("type", v -> v.equals(e.type()))
                && filters.any("label", v -> Filters.labelMatches(e.labels(), v));
    }
}
