package dev.berth.cli;

import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
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
        int code = execute(args, System.in, System.out, System.err, System.getenv());
        System.out.flush();
        System.err.flush();
        // System.exit, not return: a stdin pump blocked on the terminal must not keep us alive.
        System.exit(code);
    }

    /** Runs one command line against the given streams; the tests call this directly. */
    public static int execute(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        BerthCommand root = new BerthCommand(in, out, err, env);
        CommandLine cl = commandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    static CommandLine commandLine(BerthCommand root) {
        CommandLine cl = new CommandLine(root);
        // Everything after IMAGE (or the exec'd container) is the container's command line, options included.
        cl.getSubcommands().get("create").setStopAtPositional(true);
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.getSubcommands().get("exec").setStopAtPositional(true);
        cl.setParameterExceptionHandler(new ParameterErrors());
        cl.setExecutionExceptionHandler(new ExecutionErrors());
        return cl;
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
            err.println("Error: " + ex.getMessage());
            err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return EXIT_BERTH_ERROR;
        }
    }

    static final class ExecutionErrors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            PrintWriter err = cmd.getErr();
            if (ex instanceof CliException) {
                err.println("Error: " + ex.getMessage());
                err.flush();
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
