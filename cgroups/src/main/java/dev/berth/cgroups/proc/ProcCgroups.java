package dev.berth.cgroups.proc;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parser for {@code /proc/cgroups}. A hierarchy id of 0 means the controller is bound to the
 * cgroup2 hierarchy or not mounted at all; the file alone cannot tell which.
 */
public final class ProcCgroups {
    private ProcCgroups() {
    }

    public record Controller(String name, int hierarchyId, int numCgroups, boolean enabled) {
    }

    public static List<Controller> read(Path file) {
        try {
            return parse(Files.readAllLines(file));
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "read " + file + ": " + e, e);
        }
    }

    public static List<Controller> parse(List<String> lines) {
        List<Controller> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                throw BerthException.invalid("parse /proc/cgroups: malformed line: " + line);
            }
            try {
                out.add(new Controller(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), "1".equals(f[3])));
            } catch (NumberFormatException e) {
                throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                        "parse /proc/cgroups: malformed line: " + line, e);
            }
        }
        return out;
    }
}
