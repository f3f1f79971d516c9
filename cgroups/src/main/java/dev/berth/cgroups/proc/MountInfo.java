package dev.berth.cgroups.proc;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Parser for {@code /proc/<pid>/mountinfo} (proc(5)). */
public final class MountInfo {
    private MountInfo() {
    }

    /**
     * One mountinfo line. {@code root} is the path inside the mounted filesystem that the mount
     * point shows (for a cgroup mount: the cgroup seen as the mount's top).
     */
    public record Entry(int mountId, int parentId, String majorMinor, String root, Path mountPoint,
                        String mountOptions, List<String> optionalFields, String fsType, String source,
                        List<String> superOptions) {
    }

    public static List<Entry> read(Path file) {
        try {
            return parse(Files.readAllLines(file));
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "read mountinfo " + file + ": " + e, e);
        }
    }

    public static List<Entry> parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            int sep = Arrays.asList(f).indexOf("-");
            // 6 fixed fields before the optional ones, 3 after the separator
            if (sep < 6 || f.length < sep + 3) {
                throw BerthException.invalid("parse mountinfo: malformed line: " + line);
            }
            try {
                out.add(new Entry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], unescape(f[3]),
                        Path.of(unescape(f[4])), f[5], List.of(Arrays.copyOfRange(f, 6, sep)), f[sep + 1],
                        unescape(f[sep + 2]),
                        f.length > sep + 3 ? List.of(f[sep + 3].split(",")) : List.of()));
            } catch (NumberFormatException e) {
                throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                        "parse mountinfo: malformed line: " + line, e);
            }
        }
        return out;
    }

    /** The kernel escapes space, tab, newline and backslash in paths as \ooo octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1) && isOctal(s, i + 2) && isOctal(s, i + 3)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }
}
