package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code version} and {@code info}. */
public final class SystemCommands {
    private SystemCommands() {
    }

    @Command(description = "Show the client's and the daemon's versions.")
    public static final class VersionCmd extends Cmd {
        @Option(names = "--client-only", description = "Do not ask the daemon")
        boolean clientOnly;

        @Override
        public Integer call() {
            StringBuilder sb = new StringBuilder();
            sb.append("Client:\n");
            line(sb, "Version", Main.version());
            line(sb, "Java", System.getProperty("java.version"));
            line(sb, "OS/Arch", System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT) + "/" + System.getProperty("os.arch"));
            out().print(sb);
            out().flush();
            if (clientOnly) {
                return 0;
            }
            Map<String, Object> v = Json.map(api().get("/v1/version"));
            sb.setLength(0);
            sb.append("\nServer:\n");
            line(sb, "Version", Json.str(v, "version", ""));
            line(sb, "API version", Json.str(v, "apiVersion", ""));
            line(sb, "Git commit", Json.str(v, "gitCommit", ""));
            line(sb, "Runtime", (Json.str(v, "runtime", "") + " " + Json.str(v, "runtimeVersion", "")).trim());
            line(sb, "OS/Arch", Json.str(v, "os", "") + "/" + Json.str(v, "arch", ""));
            line(sb, "Java", Json.str(v, "javaVersion", ""));
            out().print(sb);
            out().flush();
            return 0;
        }
    }

    @Command(description = "Show system-wide information from berthd.")
    public static final class Info extends Cmd {
        @Override
        public Integer call() {
            Map<String, Object> i = Json.map(api().get("/v1/info"));
            StringBuilder sb = new StringBuilder();
            line(sb, "Containers", Json.str(i, "containers", "0"));
            sb.append(' ');
            line(sb, "Running", Json.str(i, "running", "0"));
            sb.append(' ');
            line(sb, "Stopped", Json.str(i, "stopped", "0"));
            line(sb, "Images", Json.str(i, "images", "0"));
            line(sb, "Runtime", Json.str(i, "runtime", ""));
            line(sb, "Cgroup Version", Json.str(i, "cgroupVersion", ""));
            line(sb, "Cgroup Driver", Json.str(i, "cgroupDriver", ""));
            line(sb, "Kernel Version", Json.str(i, "kernel", ""));
            line(sb, "CPUs", Json.str(i, "cpus", ""));
            long mem = Json.lng(i, "memTotal", -1);
            line(sb, "Total Memory", mem < 0 ? "" : Units.binarySize(mem));
            line(sb, "Root Dir", Json.str(i, "root", ""));
            line(sb, "Run Root", Json.str(i, "runRoot", ""));
            line(sb, "Socket", Json.str(i, "socket", ""));
            resourceViews(sb, Json.map(i.get("resourceViews")));
            out().print(sb);
            out().flush();
            return 0;
        }
    }

    /** Whether containers see their own limits in /proc and /sys or the host's, and how many have no views. */
    private static void resourceViews(StringBuilder sb, Map<String, Object> views) {
        if (views.isEmpty()) {
            return; // an older berthd
        }
        String mount = Json.str(views, "mountPoint", "");
        String state = Json.bool(views, "serving") ? "active, berth-viewfs serving " + mount
                : "inactive, berth-viewfs not serving " + mount + ": new containers see the host's memory and CPUs";
        line(sb, "Resource Views", state + (Json.bool(views, "enabledByDefault") ? "" : " (off by default)"));
        line(sb, "Containers Without Views", Json.str(views, "containersWithout", "0"));
        if (views.containsKey("syscallViews")) {
            line(sb, "Syscall Views", Json.bool(views, "syscallViews")
                    ? "active: new containers' sysinfo and sched_getaffinity answered by berth-viewfs"
                    : "inactive: new containers' sysinfo and sched_getaffinity (free, nproc) show the host's");
            line(sb, "Containers Without Syscall Views", Json.str(views, "containersWithoutSyscallViews", "0"));
        }
    }

    /**
     * Hidden: the training run of make-cds.sh. The archive (above all JDK 25's AOT cache, which also
     * keeps what was linked and profiled) is only as good as the training is close to real use, so this
     * runs the usual commands in-process, each the way Main runs it, against a fake berthd on a
     * temporary socket; then every command's help and a refused connection.
     */
    @Command(hidden = true)
    public static final class CdsTraining extends Cmd {
        static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

        @Override
        public Integer call() throws Exception {
            java.io.PrintStream sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("berth-training");
            java.nio.file.Path sock = dir.resolve("berth.sock");
            String[][] commands = {
                {"ps"}, {"ps", "-a", "--no-trunc"}, {"ps", "-q"}, {"ps", "--format", "json"}, {"images"},
                {"inspect", ID}, {"version"}, {"info"}, {"run", "--rm", "-m", "256m", "busybox", "true"},
                {"run", "-d", "-e", "A=1", "busybox", "true"}, {"create", "busybox"}, {"start", ID},
                {"stop", ID}, {"rm", "-f", ID}, {"logs", ID}, {"rmi", "busybox"},
            };
            try (java.nio.channels.ServerSocketChannel server =
                         java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                server.bind(java.net.UnixDomainSocketAddress.of(sock));
                Thread daemon = new FakeBerthd(server);
                daemon.setDaemon(true);
                daemon.start();
                for (String[] c : commands) {
                    String[] args = new String[c.length + 2];
                    args[0] = "--socket";
                    args[1] = sock.toString();
                    System.arraycopy(c, 0, args, 2, c.length);
                    Main.execute(args, new java.io.ByteArrayInputStream(new byte[0]), sink, sink, root().env);
                }
            } finally {
                java.nio.file.Files.deleteIfExists(sock);
                java.nio.file.Files.delete(dir);
            }
            Main.execute(new String[] {"--socket", sock.toString(), "ps"},
                    new java.io.ByteArrayInputStream(new byte[0]), sink, sink, root().env);
            picocli.CommandLine top = Main.commandLine(root(), null);
            top.usage(sink);
            for (picocli.CommandLine sub : top.getSubcommands().values()) {
                sub.usage(sink);
                for (picocli.CommandLine subsub : sub.getSubcommands().values()) {
                    subsub.usage(sink);
                }
            }
            return 0;
        }
    }

    /** Just enough of berthd for the training: one canned answer per request, one request per connection. */
    static final class FakeBerthd extends Thread {
        private static final String CONTAINER = "{\"id\":\"" + CdsTraining.ID + "\",\"name\":\"n\",\"image\":\"busybox\","
                + "\"command\":[\"sleep\",\"1000\"],\"state\":\"running\",\"createdAt\":\"2026-01-01T00:00:00.123456789Z\","
                + "\"startedAt\":\"2026-01-01T00:00:01Z\",\"exitCode\":0}";
        private static final String IMAGE = "{\"id\":\"sha256:" + CdsTraining.ID + "\",\"names\":[\"localhost/busybox:latest\"],"
                + "\"size\":4404224,\"createdAt\":\"2026-01-01T00:00:00Z\"}";
        private final java.nio.channels.ServerSocketChannel server;

        FakeBerthd(java.nio.channels.ServerSocketChannel server) {
            super("training-berthd");
            this.server = server;
        }

        @Override
        public void run() {
            while (server.isOpen()) {
                try (java.nio.channels.SocketChannel ch = server.accept()) {
                    serve(new UnixHttpClient.ChannelIn(ch), new UnixHttpClient.ChannelOut(ch));
                } catch (java.io.IOException e) {
                    return; // closed: the training is over
                }
            }
        }

        private static void serve(java.io.InputStream in, java.io.OutputStream out) throws java.io.IOException {
            String[] request = UnixHttpClient.readLine(in).split(" ");
            int length = 0;
            String h;
            while ((h = UnixHttpClient.readLine(in)) != null && !h.isEmpty()) {
                if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            in.readNBytes(length);
            String method = request[0];
            String target = request[1];
            if (target.endsWith("/attach")) {
                out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: berth-stream\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(Frames.encode(Frames.STDOUT, new byte[] {'x', '\n'}, 0, 2));
                out.write(Frames.encode(Frames.EXIT, new byte[] {'0'}, 0, 1));
            } else if (method.equals("DELETE") || target.endsWith("/start") || target.endsWith("/stop")) {
                out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else if (target.endsWith("/logs") || target.contains("/logs?")) {
                json(out, 200, "");
            } else if (method.equals("POST")) {
                json(out, 201, "{\"id\":\"" + CdsTraining.ID + "\"}");
            } else if (target.startsWith("/v1/containers/")) {
                json(out, 200, CONTAINER);
            } else if (target.startsWith("/v1/containers")) {
                json(out, 200, "[" + CONTAINER + "]");
            } else if (target.startsWith("/v1/images")) {
                json(out, 200, "[" + IMAGE + "]");
            } else {
                json(out, 200, "{\"version\":\"training\",\"apiVersion\":\"v1\",\"containers\":1}");
            }
            out.flush();
        }

        private static void json(java.io.OutputStream out, int status, String json) throws java.io.IOException {
            byte[] b = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(b);
        }
    }

    static void line(StringBuilder sb, String key, String value) {
        sb.append(' ').append(key).append(": ").append(value == null ? "" : value).append('\n');
    }
}
