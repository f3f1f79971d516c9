package dev.berth.daemon.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.daemon.logs.CriLogReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a container's CRI log (the container writes what it likes, and a crash can cut a
 * line anywhere): reading it throws nothing but IOException, hands out whole lines only, and a tail is
 * exactly the end of the full read.
 */
class CriLogReaderFuzzTest {
    private static final int TAIL = 3;

    private record Line(boolean stderr, String timestamp, String content) {}

    @FuzzTest(maxDuration = "10s")
    void read(byte[] content) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("berth-fuzz-crilog-");
        try {
            Path log = dir.resolve("0.log");
            Files.write(log, content);
            List<Line> all = read(log, null);
            for (Line l : all) {
                assertNotNull(l.timestamp());
                assertTrue(l.content().endsWith("\n") && l.content().indexOf('\n') == l.content().length() - 1,
                        "not one whole line: " + l);
            }
            List<Line> tail = read(log, TAIL);
            assertEquals(all.subList(Math.max(0, all.size() - TAIL), all.size()), tail);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static List<Line> read(Path log, Integer tail) throws IOException, InterruptedException {
        List<Line> lines = new ArrayList<>();
        new CriLogReader(log).read(tail, false, () -> false, (stderr, ts, c) -> lines.add(new Line(stderr, ts, c)));
        return lines;
    }
}
