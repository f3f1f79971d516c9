package dev.berth.daemon.container;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A container's processes as the host's {@code ps} shows them (Docker's top): ps runs with the caller's
 * options over every process, and the rows whose PID is in the container's cgroup are kept. The columns are
 * ps's own, so any options work that keep the PID column.
 */
public record ProcessTable(List<String> titles, List<List<String>> processes) {
    public static final String DEFAULT_ARGS = "-ef";
    /** ps options, never a path or anything a shell would read (ps runs without one anyway). */
    private static final Pattern ARGS = Pattern.compile("[-A-Za-z0-9,=%:_+ ]*");

    public static ProcessTable of(String containerId, List<Integer> pids, String psArgs) {
        String op = "top of container " + containerId;
        String args = psArgs == null || psArgs.isBlank() ? DEFAULT_ARGS : psArgs.strip();
        if (!ARGS.matcher(args).matches()) {
            throw BerthException.invalid(op + ": ps_args '" + args + "' may hold only ps options (letters, digits, - , = % : _ +)");
        }
        List<String> cmd = new ArrayList<>(List.of("ps"));
        cmd.addAll(Arrays.asList(args.split("\\s+")));
        String out = run(op, cmd);
        return parse(op, out, new HashSet<>(pids));
    }

    static ProcessTable parse(String op, String psOutput, Set<Integer> pids) {
        List<String> lines = psOutput.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw BerthException.internal(op + ": ps printed nothing", null);
        }
        List<String> titles = List.of(lines.get(0).strip().split("\\s+"));
        int pidColumn = titles.indexOf("PID");
        if (pidColumn < 0) {
            throw BerthException.invalid(op + ": ps's output has no PID column (its options must keep it): " + titles);
        }
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            // the last column (the command) may hold spaces: it takes the rest of the line
            List<String> fields = List.of(line.strip().split("\\s+", titles.size()));
            if (fields.size() > pidColumn && isPidIn(fields.get(pidColumn), pids)) {
                rows.add(fields);
            }
        }
        return new ProcessTable(titles, rows);
    }

    private static boolean isPidIn(String field, Set<Integer> pids) {
        try {
            return pids.contains(Integer.parseInt(field));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String run(String op, List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw BerthException.invalid(op + ": ps " + String.join(" ", cmd.subList(1, cmd.size())) + " failed: "
                        + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw BerthException.internal(op + ": run ps: " + BerthException.describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BerthException.internal(op + ": interrupted", e);
        }
    }
}
