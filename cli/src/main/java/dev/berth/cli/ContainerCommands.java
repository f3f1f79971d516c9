package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Container commands. Nested classes, not lambdas: fewer classes to load and no indy bootstrap at start. */
public final class ContainerCommands {
    private ContainerCommands() {
    }

    @Command(description = "Create a container and print its id.")
    public static final class Create extends Cmd {
        @Mixin
        CreateOptions opts;

        @Override
        public Integer call() {
            Map<String, Object> body = opts.toBody(root().env);
            Map<String, Object> created = createPulling(this, opts, body);
            out().println(Json.str(created, "id"));
            return 0;
        }
    }

    @Command(description = "Create and start a container, attached unless -d; exits with its exit code.")
    public static final class Run extends Cmd {
        @Option(names = "--rm", description = "Remove the container once it has exited")
        boolean rm;

        @Option(names = {"-d", "--detach"}, description = "Run in the background and print the id")
        boolean detach;

        @Mixin
        CreateOptions opts;

        @Override
        public Integer call() throws IOException {
            Map<String, Object> body = opts.toBody(root().env);
            body.put("autoRemove", rm);
            Map<String, Object> created = createPulling(this, opts, body);
            String id = Json.str(created, "id");
            if (id == null) {
                throw new CliException("berthd created a container but sent no id");
            }
            if (detach) {
                start(id);
                out().println(id);
                return 0;
            }
            // Attach first: berthd then keeps all output from the first byte for us.
            try (HttpResponse conn = api().upgrade(Api.container(id) + "/attach", null)) {
                return attachedStart(this, conn, id, opts.tty, opts.interactive, rm);
            }
        }

        private void start(String id) {
            try {
                api().post(Api.container(id) + "/start", null);
            } catch (CliException e) {
                if (rm) {
                    removeQuietly(api(), id);
                }
                throw e;
            }
        }
    }

    /**
     * Creates the container, pulling its image first as {@code --pull} says: always, or when berthd has
     * no such image (missing). Pull progress goes to stderr: stdout is the container's (or the id).
     */
    static Map<String, Object> createPulling(Cmd cmd, CreateOptions opts, Map<String, Object> body) {
        boolean terminal = Pulls.isTerminal(cmd.err(), cmd.root().env);
        if (opts.pull.equals("always")) {
            Pulls.pull(cmd.api(), opts.image, null, cmd.err(), terminal, false);
        }
        ApiException missing;
        try {
            return Json.map(cmd.api().post("/v1/containers", body));
        } catch (ApiException e) {
            if (!opts.pull.equals("missing") || !e.isNotFound() || !e.getMessage().contains("no such image")) {
                throw e;
            }
            missing = e;
        }
        cmd.err().println("Unable to find image '" + opts.image + "' locally");
        try {
            Pulls.pull(cmd.api(), opts.image, null, cmd.err(), terminal, false);
        } catch (CliException e) {
            // Both halves matter: the image is not here, and this is why it could not be fetched.
            throw new CliException(missing.getMessage() + "; " + e.getMessage(), e);
        }
        return Json.map(cmd.api().post("/v1/containers", body));
    }

    /** Start an attached container and relay until it exits (run, start -a). */
    static int attachedStart(Cmd cmd, HttpResponse conn, String ref, boolean tty, boolean interactive,
                             boolean removeOnStartFailure) throws IOException {
        Terminal term = tty && interactive ? Terminal.enterRaw() : null;
        try {
            if (tty) {
                // The pty must have the terminal's size before the process starts and asks for it.
                StreamRelay.trySendSize(conn.upgradedOutput());
            }
            try {
                cmd.api().post(Api.container(ref) + "/start", null);
            } catch (CliException e) {
                if (removeOnStartFailure) {
                    removeQuietly(cmd.api(), ref);
                }
                throw e;
            }
            int code = StreamRelay.relay(conn, interactive ? cmd.in() : null, cmd.out(), cmd.err(), tty,
                    term != null ? DetachKeys.parse(DetachKeys.DEFAULT) : null);
            return code == StreamRelay.DETACHED ? 0 : code;
        } finally {
            if (term != null) {
                term.close();
            }
        }
    }

    static void removeQuietly(Api api, String id) {
        try {
            api.delete(Api.container(id) + "?force=true");
        } catch (CliException ignored) {
            // the start error is what the user needs to see
        }
    }

    @Command(description = "Start containers; with -a attach to one and exit with its code.")
    public static final class Start extends Cmd {
        @Option(names = {"-a", "--attach"}, description = "Attach stdout/stderr and wait for the exit")
        boolean attach;

        @Option(names = {"-i", "--interactive"}, description = "Attach stdin too (implies -a)")
        boolean interactive;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Override
        public Integer call() throws IOException {
            if (!attach && !interactive) {
                return forEach(refs, new PerRef() {
                    @Override
                    public void apply(String ref) {
                        api().post(Api.container(ref) + "/start", null);
                    }
                });
            }
            if (refs.size() > 1) {
                throw new CliException("you cannot start and attach multiple containers at once");
            }
            String ref = refs.get(0);
            Map<String, Object> inspect = Json.map(api().get(Api.container(ref)));
            boolean tty = Json.bool(Json.map(inspect.get("config")), "tty");
            try (HttpResponse conn = api().upgrade(Api.container(ref) + "/attach", null)) {
                return attachedStart(this, conn, ref, tty, interactive, false);
            }
        }
    }

    @Command(description = "Attach to a running container's output, and its input unless --no-stdin; exits with its"
            + " exit code, or 0 when the detach keys leave it running.")
    public static final class Attach extends Cmd {
        @Option(names = "--no-stdin", description = "Do not attach stdin")
        boolean noStdin;

        @Option(names = "--detach-keys", paramLabel = "KEYS", defaultValue = DetachKeys.DEFAULT,
                description = "Keys that detach and leave the container running (default: ${DEFAULT-VALUE})")
        String detachKeys;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String ref;

        @Override
        public Integer call() throws IOException {
            DetachKeys keys = DetachKeys.parse(detachKeys);
            Map<String, Object> config = Json.map(Json.map(api().get(Api.container(ref))).get("config"));
            boolean tty = Json.bool(config, "tty");
            boolean input = !noStdin && Json.bool(config, "stdin");
            // an exited container is refused, not made ready to run again as start -a's attach does
            try (HttpResponse conn = api().upgrade(Api.container(ref) + "/attach?relaunch=false", null)) {
                Terminal term = tty && input ? Terminal.enterRaw() : null;
                try {
                    if (tty) {
                        StreamRelay.trySendSize(conn.upgradedOutput());
                    }
                    int code = StreamRelay.relay(conn, input ? in() : null, out(), err(), tty, input ? keys : null);
                    return code == StreamRelay.DETACHED ? 0 : code;
                } finally {
                    if (term != null) {
                        term.close();
                    }
                }
            }
        }
    }

    @Command(description = "Run a command in a running container; exits with its exit code.")
    public static final class Exec extends Cmd {
        @Option(names = {"-d", "--detach"}, description = "Run it in the background (it ends with berthd or the container)")
        boolean detach;

        @Option(names = {"-i", "--interactive"}, description = "Attach stdin")
        boolean interactive;

        @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-terminal")
        boolean tty;

        @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable")
        List<String> env;

        @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory")
        String workdir;

        @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User (name|uid[:gid])")
        String user;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String ref;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
        List<String> cmd;

        @Override
        public Integer call() throws IOException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("cmd", new ArrayList<>(cmd));
            body.put("tty", tty);
            body.put("stdin", interactive);
            List<String> e = CreateOptions.envList(env, root().env);
            if (!e.isEmpty()) {
                body.put("env", e);
            }
            if (workdir != null) {
                body.put("workingDir", CreateOptions.absoluteWorkdir(workdir));
            }
            if (user != null) {
                body.put("user", user);
            }
            String size = tty ? Terminal.size() : null;
            if (size != null) {
                // The exec starts with the request: its pty gets the size from the spec, not a later frame.
                String[] rc = size.split(" ");
                Map<String, Object> consoleSize = new LinkedHashMap<>();
                consoleSize.put("height", Integer.parseInt(rc[0]));
                consoleSize.put("width", Integer.parseInt(rc[1]));
                body.put("consoleSize", consoleSize);
            }
            if (detach) {
                if (interactive || tty) {
                    throw new CliException("exec -d takes no -i or -t: a detached command has no terminal or input");
                }
                api().post(Api.container(ref) + "/exec?detach=true", body);
                return 0;
            }
            try (HttpResponse conn = api().upgrade(Api.container(ref) + "/exec", body)) {
                Terminal term = tty && interactive ? Terminal.enterRaw() : null;
                try {
                    return StreamRelay.relay(conn, interactive ? in() : null, out(), err(), tty);
                } catch (CliException | IOException lost) {
                    // berthd answered the upgrade before starting the command: it may have run, and its shim
                    // ended it with this session. Running it again blindly could run it twice.
                    throw new CliException("exec in container " + ref + ": the command was started, but the"
                            + " stream ended before its exit code (" + lost.getMessage() + "); it was ended with the"
                            + " session", Main.EXIT_BERTH_ERROR, lost);
                } finally {
                    if (term != null) {
                        term.close();
                    }
                }
            }
        }
    }

    @Command(description = "List containers (running only unless -a).")
    public static final class Ps extends Cmd {
        /** Podman's column names where they are not the field in capitals. */
        private static final Map<String, String> HEADERS = Map.of("ID", "CONTAINER ID", "RunningFor", "CREATED",
                "CreatedAt", "CREATED AT", "ImageID", "IMAGE ID", "ExitCode", "EXIT CODE");

        @Option(names = {"-a", "--all"}, description = "Show all containers")
        boolean all;

        @Option(names = {"-q", "--quiet"}, description = "Only ids")
        boolean quiet;

        @Option(names = "--no-trunc", description = "Do not truncate ids and commands")
        boolean noTrunc;

        @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE",
                description = "Only containers that match: id=, name= (regex), label=KEY[=VALUE], status=, ancestor=; "
                        + "repeat for more (one key: any value, several keys: all)")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "json (one JSON object per line), table, or a Go template over .ID .Names .Image .ImageID"
                        + " .Command .CreatedAt .RunningFor .Status .State .Labels .Pid .ExitCode (table TEMPLATE adds a header)")
        String format;

        @Override
        public Integer call() throws IOException {
            String query = (all ? "?all=true" : "");
            if (!filters.isEmpty()) {
                query += (query.isEmpty() ? "?" : "&") + "filters=" + Api.enc(filtersJson(filters));
            }
            List<Object> list = Json.list(api().get("/v1/containers" + query));
            if (Formats.isJson(format)) {
                Formats.jsonLines(out(), list);
                return 0;
            }
            if (quiet) {
                for (Object o : list) {
                    out().println(shortId(Json.str(Json.map(o), "id", ""), noTrunc));
                }
                return 0;
            }
            Instant now = Instant.now();
            if (Formats.isDefaultTable(format)) {
                psTable(list, now, noTrunc).print(out());
                return 0;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Object o : list) {
                rows.add(psRow(Json.map(o), now, noTrunc));
            }
            Formats.print(out(), format, rows, HEADERS);
            return 0;
        }
    }

    /** {@code KEY=VALUE} options as Docker's filters JSON: {"name":["a","b"],"label":["k=v"]}. */
    static String filtersJson(List<String> filters) throws IOException {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new CliException("bad filter '" + f + "': want KEY=VALUE");
            }
            byKey.computeIfAbsent(f.substring(0, eq), k -> new ArrayList<>()).add(f.substring(eq + 1));
        }
        return Json.compact(byKey);
    }

    /** A container as ps's templates see it: Podman's field names. */
    static Map<String, Object> psRow(Map<String, Object> c, Instant now, boolean noTrunc) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("ID", shortId(Json.str(c, "id", ""), noTrunc));
        row.put("Names", Json.str(c, "name", ""));
        row.put("Image", Json.str(c, "image", ""));
        row.put("ImageID", shortId(Json.str(c, "imageId", ""), noTrunc));
        row.put("Command", String.join(" ", Json.list(c.get("command")).stream().map(String::valueOf).toList()));
        row.put("CreatedAt", Json.str(c, "createdAt", ""));
        row.put("RunningFor", Units.ago(Units.parseTime(Json.str(c, "createdAt")), now));
        row.put("Status", status(c, now));
        row.put("State", Json.bool(c, "paused") ? "paused" : Json.str(c, "state", ""));
        row.put("Labels", c.get("labels") == null ? Map.of() : c.get("labels"));
        row.put("Pid", c.get("pid") == null ? 0 : c.get("pid"));
        row.put("ExitCode", c.get("exitCode") == null ? 0 : c.get("exitCode"));
        return row;
    }

    static Table psTable(List<Object> list, Instant now, boolean noTrunc) {
        Table t = new Table("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES");
        for (Object o : list) {
            Map<String, Object> c = Json.map(o);
            t.row(shortId(Json.str(c, "id", ""), noTrunc),
                    Json.str(c, "image", ""),
                    command(Json.list(c.get("command")), noTrunc),
                    Units.ago(Units.parseTime(Json.str(c, "createdAt")), now),
                    status(c, now),
                    Json.str(c, "name", ""));
        }
        return t;
    }

    static String shortId(String id, boolean noTrunc) {
        if (id.startsWith("sha256:")) {
            id = id.substring(7);
        }
        return noTrunc || id.length() <= 12 ? id : id.substring(0, 12);
    }

    static String command(List<Object> words, boolean noTrunc) {
        StringBuilder sb = new StringBuilder();
        for (Object w : words) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(w);
        }
        String s = sb.toString();
        if (!noTrunc && s.codePointCount(0, s.length()) > 20) {
            s = s.substring(0, s.offsetByCodePoints(0, 19)) + "…";
        }
        return "\"" + s + "\"";
    }

    /** "Up 3 seconds", "Exited (0) 2 minutes ago", "Created". */
    static String status(Map<String, Object> c, Instant now) {
        String state = Json.str(c, "state", "");
        switch (state) {
            case "running": {
                Instant started = Units.parseTime(Json.str(c, "startedAt"));
                String up = started == null ? "Up" : "Up " + Units.humanDuration(java.time.Duration.between(started, now).isNegative()
                        ? java.time.Duration.ZERO : java.time.Duration.between(started, now));
                return Json.bool(c, "paused") ? up + " (Paused)" : up;
            }
            case "exited": {
                Instant finished = Units.parseTime(Json.str(c, "finishedAt"));
                String s = "Exited (" + Json.lng(c, "exitCode", 0) + ")";
                return finished == null ? s : s + " " + Units.ago(finished, now);
            }
            case "created":
                return "Created";
            default:
                return state.isEmpty() ? "" : state.substring(0, 1).toUpperCase(Locale.ROOT) + state.substring(1);
        }
    }

    @Command(description = "Show containers' details as a JSON array, or each through a Go template (-f).")
    public static final class Inspect extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT",
                description = "json, or a Go template per container over the JSON's fields ({{.State.Pid}}: Docker's"
                        + " names find the same fields in any case)")
        String format;

        @Override
        public Integer call() throws IOException {
            List<Object> found = new ArrayList<>();
            boolean failed = false;
            for (String ref : refs) {
                try {
                    found.add(api().get(Api.container(ref)));
                } catch (ApiException e) {
                    err().println("Error: " + e.getMessage());
                    failed = true;
                }
            }
            if (format == null || Formats.isJson(format)) {
                out().println(Json.pretty(found));
            } else {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Object o : found) {
                    rows.add(Json.map(o));
                }
                Formats.print(out(), format, rows, Map.of());
            }
            return failed ? Main.EXIT_PARTIAL : 0;
        }
    }

    @Command(description = "Print a container's output (stdout to stdout, stderr to stderr).")
    public static final class Logs extends Cmd {
        @Option(names = {"-f", "--follow"}, description = "Follow until the container exits")
        boolean follow;

        @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "Only the last N lines")
        Integer tail;

        @Option(names = {"-t", "--timestamps"}, description = "Prefix each line with its time")
        boolean timestamps;

        @Option(names = "--since", paramLabel = "TIME",
                description = "Only lines written since TIME: a duration back (10m, 1h30m), Unix seconds, RFC 3339 or a date")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Only lines written up to TIME (as --since)")
        String until;

        @Parameters(index = "0", paramLabel = "CONTAINER")
        String ref;

        @Override
        public Integer call() throws IOException {
            if (tail != null && tail < 0) {
                throw new CliException("invalid --tail " + tail + ": must be 0 or more");
            }
            StringBuilder q = new StringBuilder(Api.container(ref)).append("/logs");
            char sep = '?';
            if (follow) {
                q.append(sep).append("follow=true");
                sep = '&';
            }
            if (tail != null) {
                q.append(sep).append("tail=").append(tail);
                sep = '&';
            }
            if (timestamps) {
                q.append(sep).append("timestamps=true");
                sep = '&';
            }
            Instant now = Instant.now();
            if (since != null) {
                q.append(sep).append("since=").append(Units.logTime(since, now, java.time.ZoneId.systemDefault()));
                sep = '&';
            }
            if (until != null) {
                q.append(sep).append("until=").append(Units.logTime(until, now, java.time.ZoneId.systemDefault()));
            }
            try (HttpResponse r = api().stream(q.toString())) {
                StreamRelay.copyFrames(r.body(), out(), err(), false);
            }
            return 0;
        }
    }

    @Command(description = "Stop containers: SIGTERM, then SIGKILL after the timeout.")
    public static final class Stop extends StopCmd {
        @Override
        String action() {
            return "/stop";
        }
    }

    @Command(description = "Restart containers: stop those running (SIGTERM, then SIGKILL after the timeout), then start them.")
    public static final class Restart extends StopCmd {
        @Override
        String action() {
            return "/restart";
        }
    }

    /** stop and restart: one request per container, with the stop timeout. */
    abstract static class StopCmd extends PostToEach {
        @Option(names = {"-t", "--time"}, paramLabel = "SECS", description = "Seconds to wait before killing (daemon default 10)")
        Integer time;

        @Override
        String query() {
            if (time != null && time < 0) {
                throw new CliException("invalid -t " + time + ": must be 0 or more seconds");
            }
            return time == null ? "" : "?timeout=" + time;
        }
    }

    @Command(description = "Show a container's processes, as the host's ps prints them (default ps -ef).")
    public static final class Top extends Cmd {
        @Parameters(index = "0", paramLabel = "CONTAINER")
        String ref;

        @Parameters(index = "1..*", paramLabel = "PS_OPTIONS", description = "Options for ps (they must keep its PID column)")
        List<String> psOptions = new ArrayList<>();

        @Override
        public Integer call() {
            String q = psOptions.isEmpty() ? "" : "?ps_args=" + Api.enc(String.join(" ", psOptions));
            Map<String, Object> top = Json.map(api().get(Api.container(ref) + "/top" + q));
            List<Object> titles = Json.list(top.get("titles"));
            Table t = new Table(titles.stream().map(String::valueOf).toArray(String[]::new));
            for (Object row : Json.list(top.get("processes"))) {
                String[] cells = Json.list(row).stream().map(String::valueOf).toArray(String[]::new);
                t.row(Arrays.copyOf(cells, titles.size()));
            }
            t.print(out());
            return 0;
        }
    }

    @Command(description = "Give a container another name.")
    public static final class Rename extends Cmd {
        @Parameters(index = "0", paramLabel = "CONTAINER")
        String ref;

        @Parameters(index = "1", paramLabel = "NEW_NAME")
        String name;

        @Override
        public Integer call() {
            api().post(Api.container(ref) + "/rename?name=" + Api.enc(name), null);
            return 0;
        }
    }

    @Command(description = "Freeze every process of running containers.")
    public static final class Pause extends PostToEach {
        @Override
        String action() {
            return "/pause";
        }
    }

    @Command(description = "Thaw paused containers.")
    public static final class Unpause extends PostToEach {
        @Override
        String action() {
            return "/unpause";
        }
    }

    /** One POST of an action to each container named (stop, restart, pause, unpause), Docker's way of reporting each. */
    abstract static class PostToEach extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        abstract String action();

        /** The request's query, checked before any request is made. */
        String query() {
            return "";
        }

        @Override
        public Integer call() {
            String target = action() + query();
            return forEach(refs, ref -> api().post(Api.container(ref) + target, null));
        }
    }

    @Command(description = "Send a signal to containers (default KILL).")
    public static final class Kill extends Cmd {
        @Option(names = {"-s", "--signal"}, paramLabel = "SIG", defaultValue = "KILL", description = "Signal name or number")
        String signal;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Override
        public Integer call() {
            final String q = "?signal=" + Api.enc(signal);
            return forEach(refs, new PerRef() {
                @Override
                public void apply(String ref) {
                    api().post(Api.container(ref) + "/kill" + q, null);
                }
            });
        }
    }

    @Command(description = "Remove containers.")
    public static final class Rm extends Cmd {
        @Option(names = {"-f", "--force"}, description = "Kill running containers first")
        boolean force;

        @Option(names = {"-v", "--volumes"}, description = "Also remove the anonymous volumes made for them")
        boolean volumes;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Override
        public Integer call() {
            final String q = force && volumes ? "?force=true&volumes=true" : force ? "?force=true"
                    : volumes ? "?volumes=true" : "";
            return forEach(refs, new PerRef() {
                @Override
                public void apply(String ref) {
                    api().delete(Api.container(ref) + q);
                }
            });
        }
    }

    @Command(description = "Wait for containers to exit and print their exit codes.")
    public static final class Wait extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Override
        public Integer call() {
            boolean failed = false;
            for (String ref : refs) {
                try {
                    Map<String, Object> r = Json.map(api().post(Api.container(ref) + "/wait", null));
                    out().println(Json.lng(r, "exitCode", -1));
                } catch (ApiException e) {
                    err().println("Error: " + e.getMessage());
                    failed = true;
                }
            }
            return failed ? Main.EXIT_PARTIAL : 0;
        }
    }

    @Command(description = "Change a container's resource limits live.")
    public static final class Update extends Cmd {
        @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", converter = CreateOptions.MemoryConverter.class,
                description = "Memory limit (e.g. 256m)")
        Long memory;

        @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs")
        Double cpus;

        @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes (-1: unlimited)")
        Long pidsLimit;

        @Option(names = "--blkio-weight", paramLabel = "N", description = "Block I/O weight, 10 to 1000")
        Long blkioWeight;

        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Override
        public Integer call() {
            final Map<String, Object> body = new LinkedHashMap<>();
            if (memory != null) {
                body.put("memory", memory);
            }
            if (cpus != null) {
                body.put("cpus", CreateOptions.checkCpus(cpus));
            }
            if (pidsLimit != null) {
                body.put("pidsLimit", CreateOptions.checkPids(pidsLimit));
            }
            if (blkioWeight != null) {
                body.put("blkioWeight", blkioWeight);
            }
            if (body.isEmpty()) {
                throw new CliException("nothing to update: give --memory, --cpus, --pids-limit or --blkio-weight");
            }
            return forEach(refs, new PerRef() {
                @Override
                public void apply(String ref) {
                    api().post(Api.container(ref) + "/update", body);
                }
            });
        }
    }

    @Command(description = "Show containers' CPU, memory and process use (all running ones by default).")
    public static final class Stats extends Cmd {
        @Option(names = "--no-stream", description = "Print one sample and exit")
        boolean noStream;

        @Parameters(arity = "0..*", paramLabel = "CONTAINER")
        List<String> refs;

        @Override
        public Integer call() throws InterruptedException {
            List<String> targets = refs;
            if (targets == null || targets.isEmpty()) {
                targets = new ArrayList<>();
                for (Object o : Json.list(api().get("/v1/containers"))) {
                    targets.add(Json.str(Json.map(o), "id", ""));
                }
            }
            long hostMem = -1;
            Map<String, Object>[] prev = sample(targets);
            Thread.sleep(500);
            while (true) {
                Map<String, Object>[] cur = sample(targets);
                if (hostMem < 0 && needsHostMemory(cur)) {
                    hostMem = Json.lng(Json.map(api().get("/v1/info")), "memTotal", 0);
                }
                Table t = statsTable(prev, cur, hostMem);
                if (!noStream) {
                    out().print("\033[2J\033[H"); // clear screen, cursor home: redraw in place
                }
                t.print(out());
                if (noStream) {
                    return 0;
                }
                boolean any = false;
                for (Map<String, Object> m : cur) {
                    any |= m != null;
                }
                if (!any) {
                    return Main.EXIT_PARTIAL;
                }
                prev = cur;
                Thread.sleep(1000);
            }
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object>[] sample(List<String> targets) {
            Map<String, Object>[] r = new Map[targets.size()];
            for (int i = 0; i < r.length; i++) {
                try {
                    Map<String, Object> m = Json.map(api().get(Api.container(targets.get(i)) + "/stats"));
                    m.put("_nanoTime", System.nanoTime());
                    r[i] = m;
                } catch (ApiException e) {
                    err().println("Error: " + e.getMessage());
                }
            }
            return r;
        }
    }

    static boolean needsHostMemory(Map<String, Object>[] samples) {
        for (Map<String, Object> m : samples) {
            if (m != null && Json.lng(m, "memoryLimit", -1) < 0) {
                return true;
            }
        }
        return false;
    }

    /** CPU % over the two samples: CPU nanoseconds used per wall nanosecond (100% = one full CPU). */
    static double cpuPercent(Map<String, Object> a, Map<String, Object> b) {
        if (a == null || b == null) {
            return 0;
        }
        long cpu = Json.lng(b, "cpuUsageNanos", 0) - Json.lng(a, "cpuUsageNanos", 0);
        Instant ta = Units.parseTime(Json.str(a, "timestamp"));
        Instant tb = Units.parseTime(Json.str(b, "timestamp"));
        long wall;
        if (ta != null && tb != null && tb.isAfter(ta)) {
            wall = java.time.Duration.between(ta, tb).toNanos();
        } else {
            wall = Json.lng(b, "_nanoTime", 0) - Json.lng(a, "_nanoTime", 0);
        }
        if (wall <= 0 || cpu < 0) {
            return 0;
        }
        return cpu * 100.0 / wall;
    }

    static Table statsTable(Map<String, Object>[] prev, Map<String, Object>[] cur, long hostMem) {
        Table t = new Table("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS");
        for (int i = 0; i < cur.length; i++) {
            Map<String, Object> s = cur[i];
            if (s == null) {
                continue;
            }
            long usage = Json.lng(s, "memoryUsage", 0);
            long limit = Json.lng(s, "memoryLimit", -1);
            if (limit < 0) {
                limit = hostMem;
            }
            double memPct = limit > 0 ? usage * 100.0 / limit : 0;
            t.row(shortId(Json.str(s, "id", ""), false),
                    Json.str(s, "name", ""),
                    percent(cpuPercent(prev[i], s)),
                    Units.binarySize(usage) + " / " + (limit > 0 ? Units.binarySize(limit) : "unlimited"),
                    percent(memPct),
                    Long.toString(Json.lng(s, "pids", 0)));
        }
        return t;
    }

    /** "12.34%" without String.format (and its regex) on every redraw. */
    static String percent(double p) {
        long hundredths = Math.round(p * 100);
        long whole = hundredths / 100;
        long frac = hundredths % 100;
        return whole + "." + (frac < 10 ? "0" : "") + frac + "%";
    }
}
