package dev.berth.cli;

import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** Entry point: parse, run one command, exit with its code (Docker's conventions). */
public final class Main {
    /** Errors of berth itself or of the daemon, as Docker's 125. */
    public static final int EXIT_BERTH_ERROR = 125;
    /** Some of several containers/images failed (Docker's multi-target commands exit 1). */
    public static final int EXIT_PARTIAL = 1;

    private Main() {
    }

    public static void main(String[] args) {
        // Picocli's converters for these types load and initialise them through Class.forName on every
        // start (java.time's formatters spin lambda forms); no option of ours has such a type.
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java\\.(time|sql|nio\\.file)\\..*");
        }
        int code = execute(args, System.in, System.out, System.err, System.getenv());
        System.out.flush();
        System.err.flush();
        // System.exit, not return: a stdin pump blocked on the terminal must not keep us alive.
        System.exit(code);
    }

    /**
     * The commands, in help order: the only place that names them. Picocli reflects over a command's
     * annotations when its model is built, which was most of the start-up time when every command was
     * built on every run; {@link #commandLine} builds just the one asked for.
     */
    private static final Sub[] COMMANDS = {
        new Sub("create", ContainerCommands.Create.class, true),
        new Sub("run", ContainerCommands.Run.class, true),
        new Sub("start", ContainerCommands.Start.class, false),
        new Sub("attach", ContainerCommands.Attach.class, false),
        new Sub("exec", ContainerCommands.Exec.class, true),
        new Sub("ps", ContainerCommands.Ps.class, false),
        new Sub("inspect", ContainerCommands.Inspect.class, false),
        new Sub("logs", ContainerCommands.Logs.class, false),
        new Sub("stop", ContainerCommands.Stop.class, false),
        new Sub("restart", ContainerCommands.Restart.class, false),
        new Sub("kill", ContainerCommands.Kill.class, false),
        new Sub("rename", ContainerCommands.Rename.class, false),
        new Sub("pause", ContainerCommands.Pause.class, false),
        new Sub("unpause", ContainerCommands.Unpause.class, false),
        new Sub("rm", ContainerCommands.Rm.class, false, "destroy"),
        new Sub("wait", ContainerCommands.Wait.class, false),
        new Sub("stats", ContainerCommands.Stats.class, false),
        new Sub("top", ContainerCommands.Top.class, true),
        new Sub("update", ContainerCommands.Update.class, false),
        new Sub("events", EventCommands.Events.class, false),
        new Sub("port", NetworkCommands.Port.class, false),
        new Sub("network", NetworkCommands.NetworkGroup.class, false),
        new Sub("volume", VolumeCommands.VolumeGroup.class, false),
        new Sub("images", ImageCommands.Images.class, false),
        new Sub("image", ImageCommands.ImageGroup.class, false),
        new Sub("rmi", ImageCommands.Rmi.class, false),
        new Sub("pull", RegistryCommands.Pull.class, false),
        new Sub("login", RegistryCommands.Login.class, false),
        new Sub("logout", RegistryCommands.Logout.class, false),
        new Sub("version", SystemCommands.VersionCmd.class, false),
        new Sub("info", SystemCommands.Info.class, false),
        new Sub("completion", HelpCommands.Completion.class, false),
        new Sub("__cds-training", SystemCommands.CdsTraining.class, false),
    };

    /** Runs one command line against the given streams; the tests call this directly. */
    public static int execute(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        BerthCommand root = new BerthCommand(in, out, err, env);
        CommandLine cl = commandLine(root, find(args));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /**
     * The command the arguments name, or null (no command, or an unknown one: picocli then needs all
     * of them, to print the list or suggest one). Skips the root's options; --socket is the only one
     * with a value.
     */
    static Sub find(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket")) {
                i++;
            } else if (a.equals("--")) {
                return null;
            } else if (!a.startsWith("-")) {
                for (Sub s : COMMANDS) {
                    if (s.isCalled(a)) {
                        return s;
                    }
                }
                return null;
            }
        }
        return null;
    }

    /** The root with {@code only} as its one subcommand, or with all of them when it is null. */
    static CommandLine commandLine(BerthCommand root, Sub only) {
        CommandLine cl = new CommandLine(root);
        for (Sub s : COMMANDS) {
            if (only == null || only == s) {
                s.addTo(cl);
            }
        }
        cl.setParameterExceptionHandler(new ParameterErrors());
        cl.setExecutionExceptionHandler(new ExecutionErrors());
        return cl;
    }

    static final class Sub {
        final String name;
        final Class<? extends Cmd> type;
        /** Everything after IMAGE (or the exec'd container) is the container's command line, options included. */
        final boolean stopAtPositional;
        final String[] aliases;

        Sub(String name, Class<? extends Cmd> type, boolean stopAtPositional, String... aliases) {
            this.name = name;
            this.type = type;
            this.stopAtPositional = stopAtPositional;
            this.aliases = aliases;
        }

        boolean isCalled(String word) {
            if (name.equals(word)) {
                return true;
            }
            for (String a : aliases) {
                if (a.equals(word)) {
                    return true;
                }
            }
            return false;
        }

        void addTo(CommandLine root) {
            CommandLine sub = new CommandLine(type);
            root.addSubcommand(name, sub, aliases);
            if (stopAtPositional) {
                sub.setStopAtPositional(true);
            }
        }
    }

    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class ParameterErrors implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            String unknown = unknownCommand(ex);
            if (unknown != null) {
                err.println("Error: unknown command '" + unknown + "' for '" + cmd.getCommandSpec().qualifiedName() + "'");
                List<String> near = ((CommandLine.UnmatchedArgumentException) ex).getSuggestions();
                if (!near.isEmpty()) {
                    err.println("Did you mean '" + near.get(0) + "'?");
                }
                err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
                err.flush();
                return EXIT_BERTH_ERROR;
            }
            err.println("Error: " + ex.getMessage());
            err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return EXIT_BERTH_ERROR;
        }
    }

    /** The word a command was expected at and none matched, or null for any other parse error. */
    static String unknownCommand(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException)) {
            return null;
        }
        CommandLine cmd = ex.getCommandLine();
        List<String> unmatched = ((CommandLine.UnmatchedArgumentException) ex).getUnmatched();
        boolean takesCommands = !cmd.getSubcommands().isEmpty() && cmd.getCommandSpec().positionalParameters().isEmpty();
        return takesCommands && !unmatched.isEmpty() && !unmatched.get(0).startsWith("-") ? unmatched.get(0) : null;
    }

    static final class ExecutionErrors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            PrintWriter err = cmd.getErr();
            if (ex instanceof CliException) {
                err.println("Error: " + ex.getMessage());
                err.flush();
                // run and exec -d report a command that did not start as Podman does (126/127), others as errors
                if (ex instanceof ApiException a && a.commandExitCode() != 0
                        && (cmd.getCommandName().equals("run") || cmd.getCommandName().equals("exec"))) {
                    return a.commandExitCode();
                }
                return ((CliException) ex).exitCode();
            }
            String m = ex.getMessage();
            err.println("Error: " + (m == null ? ex.toString() : m));
            if (System.getenv("BERTH_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_BERTH_ERROR;
        }
    }
}
