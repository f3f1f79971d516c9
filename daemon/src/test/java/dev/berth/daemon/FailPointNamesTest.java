package dev.berth.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.oci.failpoint.FailPoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The fail points the crash test iterates ({@link FailPoints#NAMES}) are exactly those the code hits, once each. */
class FailPointNamesTest {
    private static final Pattern HIT = Pattern.compile("FailPoints\\.hit\\(\"([^\"]+)\"\\)");

    @Test
    void namesListEveryHitInTheDaemonAndImageSourcesOnce() throws IOException {
        List<String> hits = new ArrayList<>();
        for (String module : List.of("daemon", "image")) {
            Path sources = Path.of(System.getProperty("user.dir")).resolveSibling(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = HIT.matcher(Files.readString(f));
                    while (m.find()) {
                        hits.add(m.group(1));
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(FailPoints.NAMES), new TreeSet<>(hits));
        assertEquals(FailPoints.NAMES.size(), hits.size(), "a fail point is hit in more than one place: " + hits);
    }
}
