package dev.berth.daemon.api;

import dev.berth.cgroups.CgroupStats;
import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerInspect;
import dev.berth.daemon.api.model.ContainerStats;
import dev.berth.daemon.api.model.ContainerSummary;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.daemon.api.model.ExecCreate;
import dev.berth.daemon.container.BrokenContainer;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerPaths;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.InputRules;
import dev.berth.daemon.container.ProcessTable;
import dev.berth.daemon.container.PublishedPorts;
import dev.berth.daemon.container.RequestFields;
import dev.berth.daemon.logs.CriLogReader;
import dev.berth.daemon.logs.TimeWindow;
import dev.berth.daemon.runtime.CommandStartFailure;
import dev.berth.daemon.store.ContainerRecord;
import dev.berth.daemon.store.ContainerState;
import dev.berth.oci.BerthException;
import dev.berth.shim.ExecSession;
import dev.berth.shim.FrameStream;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** /v1/containers: the REST edge of {@link ContainerService}. */
public final class ContainerRoutes {
    private static final System.Logger LOG = System.getLogger(ContainerRoutes.class.getName());
    private static final String ONE = "/v1/containers/([^/]+)";

    private final ContainerService containers;
    private final ExecutorService streamThreads;

    public ContainerRoutes(ContainerService containers, ExecutorService streamThreads) {
        this.containers = containers;
        this.streamThreads = streamThreads;
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("GET", "/v1/containers", (ex, m) -> list(ex))
                .add("POST", "/v1/containers", (ex, m) -> create(ex))
                .add("GET", ONE, (ex, m) -> ex.json(HttpResponseStatus.OK, inspect(m.group(1))))
                .add("DELETE", ONE, (ex, m) -> {
                    containers.remove(m.group(1), ex.flag("force"), ex.flag("volumes"));
                    ex.noContent();
                })
                .add("POST", ONE + "/start", (ex, m) -> {
                    containers.start(m.group(1));
                    ex.noContent();
                })
                .add("POST", ONE + "/stop", (ex, m) -> {
                    containers.stop(m.group(1), ex.intQuery("timeout"));
                    ex.noContent();
                })
                .add("GET", ONE + "/top", (ex, m) -> top(ex, containers.resolve(m.group(1), "top of")))
                .add("POST", ONE + "/restart", (ex, m) -> {
                    // a stopped container just starts, as docker's restart
                    containers.stop(m.group(1), ex.intQuery("timeout"));
                    containers.start(m.group(1));
                    ex.noContent();
                })
                .add("POST", ONE + "/rename", (ex, m) -> {
                    String name = ex.query("name");
                    if (name == null || name.isEmpty()) {
                        throw BerthException.invalid("rename container " + m.group(1) + ": the new name is required (?name=)");
                    }
                    containers.rename(m.group(1), name);
                    ex.noContent();
                })
                .add("POST", ONE + "/pause", (ex, m) -> {
                    containers.pause(m.group(1));
                    ex.noContent();
                })
                .add("POST", ONE + "/unpause", (ex, m) -> {
                    containers.unpause(m.group(1));
                    ex.noContent();
                })
                .add("POST", ONE + "/kill", (ex, m) -> {
                    String signal = ex.query("signal");
                    containers.kill(m.group(1), signal == null ? "KILL" : signal);
                    ex.noContent();
                })
                .add("POST", ONE + "/wait", (ex, m) -> ex.json(HttpResponseStatus.OK,
                        Map.of("exitCode", containers.waitExit(m.group(1)).exitCode())))
                .add("POST", ONE + "/update", (ex, m) -> {
                    containers.update(m.group(1), ex.body(ContainerUpdate.class), RequestFields.REST_UPDATE);
                    ex.noContent();
                })
                .add("GET", ONE + "/stats", (ex, m) -> stats(ex, containers.resolve(m.group(1), "stats of")))
                .add("GET", ONE + "/logs", (ex, m) -> logs(ex, containers.resolve(m.group(1), "logs of")))
                .add("POST", ONE + "/attach", (ex, m) -> attach(ex, containers.resolve(m.group(1), "attach to"),
                        !"false".equals(ex.query("relaunch"))))
                .add("POST", ONE + "/exec", (ex, m) -> exec(ex, containers.resolve(m.group(1), "exec in")));
    }

    /** Running containers; with all=true every container, the broken ones after the served ones. */
    private void list(Exchange ex) {
        ContainerListFilter filter = ContainerListFilter.parse(ex.query("filters"));
        boolean all = ex.flag("all") || filter.asksForStates();
        List<ContainerSummary> out = new ArrayList<>();
        for (Container c : containers.list()) {
            ContainerState s = c.state();
            ContainerSummary summary = summary(c.record(), s);
            if ((all || s.isRunning()) && filter.matches(summary)) {
                out.add(summary);
            }
        }
        if (all) {
            for (BrokenContainer b : containers.broken()) {
                ContainerSummary summary = summary(b);
                if (filter.matches(summary)) {
                    out.add(summary);
                }
            }
        }
        ex.json(HttpResponseStatus.OK, out);
    }

    private static Map<String, String> labels(ContainerRecord r) {
        return r.config().labels() == null ? Map.of() : r.config().labels();
    }

    /** A container made through REST gets a network mode: bridge (the default network) unless it asks for one. */
    private void create(Exchange ex) {
        ContainerCreate request = ex.body(ContainerCreate.class);
        if (request.network() == null) {
            request = request.withNetwork(containers.defaultNetworkMode());
        }
        // The create body's published ports sit beside the container's config.
        Container c = containers.create(request, ex.body(PublishedPorts.class), RequestFields.REST_CREATE);
        ex.json(HttpResponseStatus.CREATED, Map.of("id", c.id(), "name", c.record().name()));
    }

    private static ContainerSummary summary(ContainerRecord r, ContainerState s) {
        return new ContainerSummary(r.id(), r.name(), r.image(), r.imageId(), command(r), r.createdAt(),
                s.status(), s.startedAt(), s.finishedAt(), s.exitCode(), s.pid(), s.reason(), labels(r), s.paused());
    }

    /** What is known of a broken container: its record's fields when container.json is readable. */
    private static ContainerSummary summary(BrokenContainer b) {
        ContainerRecord r = b.record();
        return r == null
                ? new ContainerSummary(b.id(), null, null, null, List.of(), null, BrokenContainer.STATE, null, null,
                        null, null, b.problem(), Map.of(), false)
                : new ContainerSummary(b.id(), r.name(), r.image(), r.imageId(), command(r), r.createdAt(),
                        BrokenContainer.STATE, null, null, null, null, b.problem(), labels(r), false);
    }

    private static List<String> command(ContainerRecord r) {
        List<String> cmd = new ArrayList<>();
        if (r.config().entrypoint() != null) {
            cmd.addAll(r.config().entrypoint());
        }
        if (r.config().cmd() != null) {
            cmd.addAll(r.config().cmd());
        }
        return cmd;
    }

    /** A served container, or a broken one with its problem as the state's reason. */
    private ContainerInspect inspect(String ref) {
        return containers.broken(ref).map(this::inspect).orElseGet(() -> inspect(containers.resolve(ref, "inspect")));
    }

    private ContainerInspect inspect(BrokenContainer b) {
        ContainerRecord r = b.record();
        ContainerPaths p = containers.paths(b.id());
        ContainerInspect.State state = new ContainerInspect.State(BrokenContainer.STATE, false, null, null, false,
                null, null, b.problem(), null, false, 0);
        return r == null
                ? new ContainerInspect(b.id(), null, null, null, List.of(), null, null, state, p.bundle().toString(),
                        p.rootfs().toString(), null, null, null, null, null, null)
                : new ContainerInspect(r.id(), r.name(), r.image(), r.imageId(), command(r), r.createdAt(),
                        r.config(), state, p.bundle().toString(), p.rootfs().toString(),
                        containers.logPath(r).toString(), r.cgroupsPath(), null, r.resourceViews(), r.syscallViews(), null);
    }

    private ContainerInspect inspect(Container c) {
        ContainerRecord r = c.record();
        ContainerState s = c.state();
        ContainerPaths p = containers.paths(c.id());
        return new ContainerInspect(r.id(), r.name(), r.image(), r.imageId(), command(r), r.createdAt(), r.config(),
                new ContainerInspect.State(s.status(), s.isRunning(), s.pid(), s.exitCode(), s.oomKilled(),
                        s.startedAt(), s.finishedAt(), s.reason(), s.error(), s.paused(), s.restartCount()),
                p.bundle().toString(), p.rootfs().toString(), containers.logPath(r).toString(), r.cgroupsPath(),
                s.shimPid(), r.resourceViews(), r.syscallViews(), network(c));
    }

    private ContainerInspect.Network network(Container c) {
        String mode = c.record().config().network();
        if (mode == null) {
            return null;
        }
        return containers.networkAttachment(c).map(a -> new ContainerInspect.Network(mode, a.network(), a.ip(),
                a.ports().stream().map(m -> new ContainerInspect.Port(m.hostIp(), m.hostPort(), m.containerPort(),
                        m.protocol())).toList()))
                .orElse(new ContainerInspect.Network(mode, null, null, List.of()));
    }

    private void stats(Exchange ex, Container c) {
        CgroupStats s = containers.stats(c);
        ex.json(HttpResponseStatus.OK, new ContainerStats(c.id(), c.record().name(), s.timestamp(),
                s.cpuUsageNanos(), s.memoryUsage(), s.memoryLimit(), s.pidsCurrent(), s.pidsLimit()));
    }

    private void top(Exchange ex, Container c) {
        if (!c.state().isRunning()) {
            throw BerthException.conflict("top of container " + c.id() + ": it is not running");
        }
        ex.json(HttpResponseStatus.OK, ProcessTable.of(c.id(), containers.cgroups().pids(c.record().cgroupsPath()),
                ex.query("ps_args")));
    }

    private void logs(Exchange ex, Container c) {
        boolean follow = ex.flag("follow");
        boolean timestamps = ex.flag("timestamps");
        Integer tail = InputRules.logsTail(c.id(), ex.query("tail"), RequestFields.REST_LOGS);
        TimeWindow window = TimeWindow.parse("logs of container " + c.id(), ex.query("since"), ex.query("until"));
        Exchange.FrameWriter out = ex.startFrameStream();
        streamThreads.execute(() -> {
            try {
                new CriLogReader(containers.logPath(c.record())).read(tail, window, follow, () -> c.state().hasShim(),
                        (stderr, ts, line) -> {
                    out.write(stderr ? Frame.STDERR : Frame.STDOUT,
                            ((timestamps ? ts + " " : "") + line).getBytes(StandardCharsets.UTF_8));
                    return out.isOpen();
                });
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "logs of container {0}: {1}", c.id(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                out.end();
            }
        });
    }

    private void attach(Exchange ex, Container c, boolean relaunchExited) {
        FrameStream shim = containers.attach(c, relaunchExited);
        relay(c, shim, ex.upgrade(toShim(c, () -> shim), () -> closeQuietly(shim)), true);
    }

    /**
     * Answers 101 before the shim starts the process: a client that got the upgrade knows its command may have run,
     * even if berthd dies before the exit frame (the shim then ends the process with its session), so it does not
     * run it again blindly. A refusal after that comes on the stream: the message on stderr, exit code 127 for a
     * command that does not exist, else 126 (Podman's codes).
     */
    private void exec(Exchange ex, Container c) {
        ExecCreate request = ex.body(ExecCreate.class);
        if (ex.flag("detach")) {
            execDetached(ex, c, request);
            return;
        }
        // Set before this handler returns; the client's frames and its close are handled on this channel's
        // executor after that, so they find the session.
        AtomicReference<FrameStream> shim = new AtomicReference<>();
        AtomicReference<Exchange.FrameWriter> out = new AtomicReference<>();
        try {
            shim.set(containers.exec(c, request,
                    () -> out.set(ex.upgrade(toShim(c, shim::get), () -> closeQuietly(shim.get())))));
        } catch (BerthException e) {
            if (out.get() == null) {
                throw e;
            }
            out.get().write(Frame.STDERR, (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            out.get().writeExit(CommandStartFailure.exitCode(e.getMessage()).orElse(CommandStartFailure.CANNOT_INVOKE));
            out.get().end();
            return;
        }
        relay(c, shim.get(), out.get(), false);
    }

    /**
     * exec -d: berthd is the session's client, reading (and dropping) its output until the exit, so the process
     * ends with berthd like any exec whose client is gone. A refused command is the request's error.
     */
    private void execDetached(Exchange ex, Container c, ExecCreate request) {
        if (request.stdin() || request.tty()) {
            throw BerthException.invalid("exec in container " + c.id() + ": a detached exec has no stdin or terminal");
        }
        ExecSession session = containers.exec(c, request, () -> { });
        streamThreads.execute(() -> {
            try (session) {
                dev.berth.shim.Frame frame;
                while ((frame = session.read()) != null && frame.stream() != Frame.EXIT) {
                    LOG.log(Level.TRACE, "detached exec {0} in container {1}: {2} bytes dropped", session.pid(), c.id(),
                            frame.payload().length);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "detached exec in container {0}: {1}", c.id(), e.toString());
            }
        });
        ex.json(HttpResponseStatus.CREATED, Map.of("pid", session.pid()));
    }

    private static Consumer<Frame> toShim(Container c, Supplier<FrameStream> shim) {
        return frame -> {
            try {
                shim.get().write(frame.stream(), frame.payload());
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "relay to container {0}: {1}", c.id(), e.toString());
            }
        };
    }

    /**
     * Relays frames from the shim to the client until the shim sends the exit frame. For an attach the
     * exit frame is held back until the daemon has recorded the exit (and auto-removed the container), so a
     * client that sees the exit code also sees the container's final state.
     */
    private void relay(Container c, FrameStream shim, Exchange.FrameWriter out, boolean attach) {
        streamThreads.execute(() -> {
            try {
                dev.berth.shim.Frame frame;
                while ((frame = shim.read()) != null) {
                    if (frame.stream() == Frame.EXIT && attach) {
                        awaitRecorded(c);
                    }
                    out.write(frame.stream(), frame.payload());
                    if (frame.stream() == Frame.EXIT) {
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "relay from container {0}: {1}", c.id(), e.toString());
            } finally {
                closeQuietly(shim);
                out.end();
            }
        });
    }

    private static void awaitRecorded(Container c) {
        try {
            c.exit().get(10, TimeUnit.SECONDS);
            if (c.record().config().autoRemove()) {
                c.removed().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "container {0}: exit not recorded in time: {1}", c.id(), e.toString());
        }
    }

    private static void closeQuietly(FrameStream s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "close shim stream: {0}", e.toString());
        }
    }
}
