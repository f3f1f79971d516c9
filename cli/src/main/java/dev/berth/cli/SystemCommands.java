package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code version} and {@code info}. */
public final class SystemCommands {
    private SystemCommands() {
    }

    @Command(name = "version", description = "Show the client's and the daemon's versions.")
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

    @Command(name = "info", description = "Show system-wide information from berthd.")
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
            out().print(sb);
            out().flush();
            return 0;
        }
    }

    /**
     * Hidden: the training run of make-cds.sh. Loads what ordinary commands load (every command's
     * help, the HTTP client up to a refused connection, jackson-jr, tables, units) so the AppCDS
     * archive covers them, all without a daemon.
     */
    @Command(name = "__cds-training", hidden = true)
    public static final class CdsTraining extends Cmd {
        @Override
        public Integer call() throws Exception {
            java.io.PrintStream sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
            picocli.CommandLine top = spec.root().commandLine();
            top.usage(sink);
            for (picocli.CommandLine sub : top.getSubcommands().values()) {
                sub.usage(sink);
                for (picocli.CommandLine subsub : sub.getSubcommands().values()) {
                    subsub.usage(sink);
                }
            }
            try {
                api().get("/v1/version");
            } catch (CliException expected) {
                sink.println(expected.getMessage());
            }
            Object o = Json.parse("{\"id\":\"0123456789abcdef\",\"command\":[\"sh\"],\"state\":\"running\","
                    + "\"createdAt\":\"2026-01-01T00:00:00.123456789Z\",\"startedAt\":\"2026-01-01T00:00:01Z\"}");
            java.util.List<Object> l = new java.util.ArrayList<>();
            l.add(o);
            sink.print(Json.pretty(l));
            sink.print(Json.compact(o));
            ContainerCommands.psTable(l, java.time.Instant.now(), false).print(sink);
            sink.print(Units.binarySize(123456789) + Units.decimalSize(123456789) + Units.parseMemory("256m"));
            sink.print(Frames.encode(Frames.STDOUT, new byte[1], 0, 1).length);
            return 0;
        }
    }

    static void line(StringBuilder sb, String key, String value) {
        sb.append(' ').append(key).append(": ").append(value == null ? "" : value).append('\n');
    }
}
