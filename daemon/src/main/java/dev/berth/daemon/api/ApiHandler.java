package dev.berth.daemon.api;

import dev.berth.daemon.container.InputRules;
import dev.berth.daemon.runtime.CommandStartFailure;
import dev.berth.oci.BerthException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Dispatches each HTTP request to the route that matches its method and path. */
public final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());

    /** A handler of one route; the matcher holds the path's groups. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange, Matcher path) throws Exception;
    }

    /** Told of every request once its handler returned; {@code route} is the route's template. */
    @FunctionalInterface
    public interface Observer {
        void handled(String method, String route, int status, long nanos);
    }

    /** The route table: method plus a path pattern, first match wins. */
    public static final class Routes {
        /** The route of requests no route matched: a bounded label, whatever paths clients send. */
        static final String UNMATCHED = "unmatched";
        private static final Pattern GROUP = Pattern.compile("\\((?:[^()\\\\]|\\\\.)*\\)");

        private record Route(String method, Pattern path, String template, Handler handler) {
        }

        private final List<Route> routes = new ArrayList<>();
        private volatile Observer observer = (method, route, status, nanos) -> { };

        public Routes add(String method, String pathRegex, Handler handler) {
            routes.add(new Route(method, Pattern.compile(pathRegex), template(pathRegex), handler));
            return this;
        }

        public Routes observe(Observer observer) {
            this.observer = observer;
            return this;
        }

        /** "/v1/containers/([^/]+)/start" becomes "/v1/containers/{ref}/start", as docs/api.md spells it. */
        static String template(String pathRegex) {
            return GROUP.matcher(pathRegex).replaceAll("{ref}");
        }

        /** Runs the matching route; returns its template. */
        String dispatch(Exchange exchange) throws Exception {
            boolean pathKnown = false;
            for (Route r : routes) {
                Matcher m = r.path.matcher(exchange.path());
                if (m.matches()) {
                    pathKnown = true;
                    if (r.method.equals(exchange.method())) {
                        r.handler.handle(exchange, m);
                        return r.template;
                    }
                }
            }
            exchange.error(pathKnown ? HttpResponseStatus.METHOD_NOT_ALLOWED : HttpResponseStatus.NOT_FOUND,
                    (pathKnown ? "method " + exchange.method() + " not allowed on " : "no such endpoint: ")
                            + exchange.path());
            return UNMATCHED;
        }

        /** The template of the route serving this method and path, for requests whose handler threw. */
        String templateOf(String method, String path) {
            for (Route r : routes) {
                if (r.method.equals(method) && r.path.matcher(path).matches()) {
                    return r.template;
                }
            }
            return UNMATCHED;
        }
    }

    private final Routes routes;

    ApiHandler(Routes routes) {
        super(true);
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Exchange exchange = new Exchange(ctx, request);
        long started = System.nanoTime();
        String route = null;
        try {
            route = routes.dispatch(exchange);
        } catch (BerthException e) {
            String message = InputRules.clientMessage(e.getMessage());
            OptionalInt commandExit = CommandStartFailure.exitCode(e.getMessage());
            if (commandExit.isPresent()) {
                // the container's command did not start: the exit code a client such as `berth run` reports
                exchange.json(status(e.kind()), Map.of("message", message, "commandExitCode", commandExit.getAsInt()));
            } else {
                exchange.error(status(e.kind()), message);
            }
        } catch (Exception e) {
            LOG.log(Level.ERROR, "{0} {1}: {2}", exchange.method(), exchange.path(), e.toString(), e);
            exchange.error(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    exchange.method() + " " + exchange.path() + ": internal error, logged by berthd");
        } finally {
            long nanos = System.nanoTime() - started;
            LOG.log(Level.DEBUG, "{0} {1} in {2,number,#} ms", exchange.method(), exchange.path(), nanos / 1_000_000);
            routes.observer.handled(exchange.method(),
                    route != null ? route : routes.templateOf(exchange.method(), exchange.path()),
                    exchange.status(), nanos);
        }
    }

    static HttpResponseStatus status(BerthException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case ALREADY_EXISTS, FAILED_PRECONDITION -> HttpResponseStatus.CONFLICT;
            case INVALID_ARGUMENT -> HttpResponseStatus.BAD_REQUEST;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case INTERNAL -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, "API connection closed: {0}", cause.toString());
        ctx.close();
    }
}
