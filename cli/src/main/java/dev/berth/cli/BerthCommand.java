package dev.berth.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

// The subcommands are added by Main from its dispatch table, only the one asked for when it can.
@Command(name = "berth", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = BerthCommand.Version.class,
        description = "berth, a lean client of berthd's REST API.",
        usageHelpAutoWidth = true, sortOptions = false)
public final class BerthCommand implements Runnable {
    public static final String DEFAULT_SOCKET = "/run/berth/berth.sock";

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "berthd's socket (default: $BERTH_SOCKET, else " + DEFAULT_SOCKET + ")")
    String socket;

    @Spec
    CommandSpec spec;

    final InputStream in;
    final PrintStream out;
    final PrintStream err;
    final Map<String, String> env;
    private Api api;

    public BerthCommand(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    Path socketPath() {
        if (socket != null && !socket.isEmpty()) {
            return Path.of(socket);
        }
        String e = env.get("BERTH_SOCKET");
        if (e != null && !e.isEmpty()) {
            return Path.of(e);
        }
        return Path.of(DEFAULT_SOCKET);
    }

    Api api() {
        if (api == null) {
            api = new Api(socketPath());
        }
        return api;
    }

    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"berth version " + Main.version()};
        }
    }
}
