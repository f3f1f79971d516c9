package dev.berth.daemon.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.berth.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriLogReaderTest {
    @TempDir
    Path dir;

    private List<String> readAll(Path log, Integer tail) throws Exception {
        List<String> out = new ArrayList<>();
        new CriLogReader(log).read(tail, false, () -> false, (stderr, ts, line) -> {
            out.add((stderr ? "E:" : "O:") + line);
            return true;
        });
        return out;
    }

    @Test
    void joinsPartialLinesAndKeepsStreamsApart() throws Exception {
        Path log = dir.resolve("ctr.log");
        Files.writeString(log, String.join("\n",
                "2026-11-22T05:00:00.000000001Z stdout P hel",
                "2026-11-22T05:00:00.000000002Z stderr F oops",
                "2026-11-22T05:00:00.000000003Z stdout F lo",
                "not a cri line",
                "2026-11-22T05:00:00.000000004Z stdout F ", ""));
        assertEquals(List.of("E:oops\n", "O:hello\n", "O:\n"), readAll(log, null));
    }

    @Test
    void tailKeepsTheLastLinesAndReadsTheRotatedFileFirst() throws Exception {
        Path log = dir.resolve("ctr.log");
        Files.writeString(dir.resolve("ctr.log.1"), "2026-11-22T05:00:00Z stdout F a\n2026-11-22T05:00:01Z stdout F b\n");
        Files.writeString(log, "2026-11-22T05:00:02Z stdout F c\n");
        assertEquals(List.of("O:a\n", "O:b\n", "O:c\n"), readAll(log, null));
        assertEquals(List.of("O:b\n", "O:c\n"), readAll(log, 2));
        assertEquals(List.of(), readAll(log, 0));
    }

    @Test
    void followSeesLinesWrittenLaterAndStopsWhenTheContainerHasExited() throws Exception {
        Path log = dir.resolve("ctr.log");
        Files.writeString(log, "2026-11-22T05:00:00Z stdout F first\n");
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> out = new CopyOnWriteArrayList<>();
        // "second" is written once the reader has read "first", and the container exits once it has both.
        Thread writer = new Thread(() -> {
            try {
                if (Await.eventually(() -> out.contains("first\n"), 20_000)) {
                    Files.writeString(log, "2026-11-22T05:00:01Z stdout F second\n", java.nio.file.StandardOpenOption.APPEND);
                    Await.eventually(() -> out.contains("second\n"), 20_000);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                running.set(false);
            }
        });
        writer.start();
        new CriLogReader(log).read(null, true, running::get, (stderr, ts, line) -> out.add(line) || true);
        writer.join();
        assertEquals(List.of("first\n", "second\n"), out);
    }

    @Test
    void rejectsLinesOutsideTheFormat() {
        assertNull(CriLogLine.parse("2026 stdin F x"));
        assertNull(CriLogLine.parse("2026 stdout X x"));
        assertNull(CriLogLine.parse("garbage"));
        assertEquals("x y", CriLogLine.parse("2026 stdout F x y").content());
    }
}
