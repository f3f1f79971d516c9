package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/** What every command needs: the root's streams, environment and API client, at any depth. */
@Command
public abstract class Cmd implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    BerthCommand root() {
        return (BerthCommand) spec.root().userObject();
    }

    Api api() {
        return root().api();
    }

    PrintStream out() {
        return root().out;
    }

    PrintStream err() {
        return root().err;
    }

    InputStream in() {
        return root().in;
    }

    /** An action on one of several refs; Docker style, errors are printed and the others still run. */
    interface PerRef {
        void apply(String ref);
    }

    /** Applies {@code action} to each ref, printing the ref on success; 0, or 1 when any failed. */
    int forEach(List<String> refs, PerRef action) {
        boolean failed = false;
        for (String ref : refs) {
            try {
                action.apply(ref);
                out().println(ref);
            } catch (ApiException e) {
                err().println("Error: " + e.getMessage());
                failed = true;
            }
        }
        out().flush();
        return failed ? Main.EXIT_PARTIAL : 0;
    }
}
