package dev.berth.cgroups;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes cgroup interface files, shared by every controller of both versions (the role
 * of the JDK's CgroupSubsystemController).
 *
 * <p>Sentinels, as in the JDK: {@link #UNLIMITED} (-1) for "max" and for v1's "no limit" values
 * (LONG_MAX rounded down to a page, 9223372036854771712), {@link #UNAVAILABLE} (-2) when the file
 * or key is missing (controller not mounted or not enabled, older kernel) or unreadable.
 */
public final class CgroupFiles {
    public static final long UNLIMITED = -1L;
    public static final long UNAVAILABLE = -2L;
    /** The JDK's threshold: v1 reports "unlimited" as a huge page-aligned value, never exactly LONG_MAX. */
    static final long V1_UNLIMITED_MIN = 0x7FFFFFFFFF000000L;

    private static final System.Logger LOG = System.getLogger(CgroupFiles.class.getName());

    private CgroupFiles() {
    }

    /** The trimmed content, or null if the file does not exist. */
    public static String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // e.g. ENODEV on a cgroup removed while we read it: stats are best effort
            LOG.log(System.Logger.Level.DEBUG, "read " + file + ": " + e);
            return null;
        }
    }

    /** A single number, "max" as {@link #UNLIMITED}, missing or unparsable as {@link #UNAVAILABLE}. */
    public static long readLong(Path file) {
        return parseLong(readString(file), file);
    }

    /** The value of {@code key} in a "key value" file (memory.stat, cpu.stat, memory.events, oom_control). */
    public static long readKeyed(Path file, String key) {
        String v = readKeyedAll(file).get(key);
        return v == null ? UNAVAILABLE : parseLong(v, file);
    }

    /** All "key value" lines; empty map when the file is missing. */
    public static Map<String, String> readKeyedAll(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        String s = readString(file);
        if (s == null) {
            return out;
        }
        for (String line : s.split("\n")) {
            String t = line.trim();
            int sp = t.indexOf(' ');
            if (sp > 0) {
                out.put(t.substring(0, sp), t.substring(sp + 1).trim());
            }
        }
        return out;
    }

    /** The value of {@code key} in a keyed file, or {@code dflt}; for sums of possibly-missing counters. */
    public static long keyedOr(Map<String, String> keyed, String key, long dflt) {
        String v = keyed.get(key);
        if (v == null) {
            return dflt;
        }
        long l = parseLong(v, null);
        return l == UNAVAILABLE ? dflt : l;
    }

    static long parseLong(String s, Path file) {
        if (s == null || s.isEmpty()) {
            return UNAVAILABLE;
        }
        if ("max".equals(s)) {
            return UNLIMITED;
        }
        try {
            long v = Long.parseLong(s);
            return v >= V1_UNLIMITED_MIN ? UNLIMITED : v;
        } catch (NumberFormatException e) {
            try {
                // counters above LONG_MAX exist only as "unlimited" values in practice
                return new java.math.BigInteger(s).signum() > 0 ? UNLIMITED : UNAVAILABLE;
            } catch (NumberFormatException e2) {
                LOG.log(System.Logger.Level.WARNING, "unparsable value in " + file + ": " + s);
                return UNAVAILABLE;
            }
        }
    }

    /** The value a limit file takes: negative means unlimited ("max"). */
    public static String limitValue(long v) {
        return v < 0 ? "max" : Long.toString(v);
    }

    /**
     * Writes one value without creating the file: a missing file means the controller is not
     * mounted or enabled here (FAILED_PRECONDITION); EINVAL from the kernel is INVALID_ARGUMENT.
     */
    public static void write(Path file, String value) {
        try {
            Files.writeString(file, value, StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                    "write " + file + "=" + value + ": no such file (controller not available)", e);
        } catch (IOException e) {
            String reason = String.valueOf(e.getMessage());
            BerthException.Kind kind = reason.contains("Invalid argument") ? BerthException.Kind.INVALID_ARGUMENT
                    : reason.contains("busy") ? BerthException.Kind.FAILED_PRECONDITION
                    : BerthException.Kind.INTERNAL;
            throw new BerthException(kind, "write " + file + "=" + value + ": " + reason, e);
        }
    }
}
