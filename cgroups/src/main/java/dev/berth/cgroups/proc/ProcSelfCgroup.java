package dev.berth.cgroups.proc;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parser for {@code /proc/<pid>/cgroup}: {@code hierarchy-id:controller-list:path}. The cgroup2
 * entry is {@code 0::/path} (empty controller list); a named v1 hierarchy lists {@code name=...}.
 */
public final class ProcSelfCgroup {
    private ProcSelfCgroup() {
    }

    public record Entry(int hierarchyId, List<String> controllers, String path) {
        public boolean isUnified() {
            return hierarchyId == 0 && controllers.isEmpty();
        }
    }

    public static List<Entry> read(Path file) {
        try {
            return parse(Files.readAllLines(file));
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "read " + file + ": " + e, e);
        }
    }

    public static List<Entry> parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            // the path may itself contain ':', so split into at most three parts
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                throw BerthException.invalid("parse /proc/self/cgroup: malformed line: " + line);
            }
            try {
                out.add(new Entry(Integer.parseInt(f[0]),
                        f[1].isEmpty() ? List.of() : List.of(f[1].split(",")), f[2]));
            } catch (NumberFormatException e) {
                throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                        "parse /proc/self/cgroup: malformed line: " + line, e);
            }
        }
        return out;
    }
}
