package dev.berth.daemon.logs;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** logs --since/--until: which lines of a CRI log a window keeps, with tail and follow. */
class TimeWindowTest {
    private static final String LOG = String.join("\n",
            "2026-12-06T10:00:00.000000000Z stdout F one",
            "2026-12-06T10:00:01.500000000Z stderr F two",
            "2026-12-06T10:00:02.000000000Z stdout P thr",
            "2026-12-06T10:00:02.100000000Z stdout F ee",
            "2026-12-06T10:00:03.000000000Z stdout F four",
            "");

    private static List<String> read(Path dir, Integer tail, TimeWindow w, boolean follow) throws Exception {
        Path log = dir.resolve("ctr.log");
        Files.writeString(log, LOG);
        List<String> got = new ArrayList<>();
        // the container never stops: in follow mode only the window's end may end the read
        new CriLogReader(log).read(tail, w, follow, () -> true, (stderr, ts, line) -> got.add(line.strip()));
        return got;
    }

    @Test
    void sinceAndUntilKeepTheLinesWrittenBetween(@TempDir Path dir) throws Exception {
        assertEquals(List.of("two", "three", "four"), read(dir, null,
                TimeWindow.parse("logs of container c1", "1796551201", null), false));
        assertEquals(List.of("one", "two"), read(dir, null,
                TimeWindow.parse("logs of container c1", null, "2026-12-06T10:00:01.5Z"), false));
        assertEquals(List.of("two"), read(dir, null,
                TimeWindow.parse("logs of container c1", "1796551200.5", "2026-12-06T11:00:01.9+01:00"), false));
    }

    @Test
    void tailCountsOnlyTheLinesInTheWindow(@TempDir Path dir) throws Exception {
        assertEquals(List.of("two"), read(dir, 1, TimeWindow.parse("logs of container c1", null, "2026-12-06T10:00:02Z"), false));
    }

    @Test
    void followEndsAtTheFirstLineAfterTheWindow(@TempDir Path dir) throws Exception {
        assertEquals(List.of("one", "two"), read(dir, null,
                TimeWindow.parse("logs of container c1", null, "2026-12-06T10:00:01.9Z"), true));
    }

    @Test
    void badTimesAreRefusedNamingTheParameter() {
        BerthException e = assertThrows(BerthException.class, () -> TimeWindow.parse("logs of container c1", "yesterday", null));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("since 'yesterday'"), e.getMessage());
        assertThrows(BerthException.class, () -> TimeWindow.parse("logs of container c1", "1765015300", "1765015200"));
        assertEquals(Instant.parse("2026-12-06T10:00:00.25Z"), TimeWindow.parse("logs of container c1", "1796551200.25", null).since());
    }
}
