package dev.berth.viewfs.cgroup;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.viewfs.io.SmallFiles;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The memory counters read on every meminfo open, through {@link SmallFiles} instead of the
 * controllers' CgroupFiles reads (the bottleneck there, not the parsing): values still go through
 * {@link CgroupFiles#keyedOr}, so "max", v1's unlimited and missing values mean what they mean
 * everywhere else in Berth.
 */
final class Counters {
    private Counters() {
    }

    /** A single-value file as CgroupFiles.readLong reads it. */
    static long readLong(Path file) {
        String s = SmallFiles.read(file);
        return s == null ? CgroupFiles.UNAVAILABLE : CgroupFiles.keyedOr(Map.of("", s.trim()), "", CgroupFiles.UNAVAILABLE);
    }

    /** A "key value" file as CgroupFiles.readKeyedAll reads it; empty when missing. */
    static Map<String, String> readKeyed(Path file) {
        String s = SmallFiles.read(file);
        Map<String, String> out = new HashMap<>();
        if (s == null) {
            return out;
        }
        int start = 0;
        while (start < s.length()) {
            int nl = s.indexOf('\n', start);
            int end = nl < 0 ? s.length() : nl;
            int sp = s.indexOf(' ', start);
            if (sp > start && sp < end) {
                out.put(s.substring(start, sp), s.substring(sp + 1, end).trim());
            }
            start = end + 1;
        }
        return out;
    }
}
