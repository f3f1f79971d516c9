package dev.berth.image.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.image.LayerUnpacker;
import dev.berth.image.TestSupport;
import dev.berth.oci.BerthException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a layer (tar, tar.gz or tar.zst): the unpacker either refuses them with a
 * BerthException or unpacks them, and in both cases writes nothing outside its target directory (a canary
 * directory beside it stays as it was) and creates no device node but whiteouts (char 0,0).
 */
class LayerUnpackerFuzzTest {
    // Small limits keep a fuzzing run from filling the disk; the limits themselves are part of what is fuzzed.
    private static final LayerUnpacker UNPACKER = new LayerUnpacker(1 << 20, 1000);

    @FuzzTest(maxDuration = "10s")
    void unpack(byte[] layer) throws IOException {
        Path work = Files.createTempDirectory("berth-fuzz-unpack-");
        try {
            Path canary = work.resolve("canary");
            Files.createDirectories(canary.resolve("sub"));
            Files.writeString(canary.resolve("sub/keep"), "keep");
            Path target = Files.createDirectory(work.resolve("target"));
            TreeMap<String, String> before = TestSupport.snapshot(canary);
            try {
                LayerUnpacker.Result r = UNPACKER.unpack(new ByteArrayInputStream(layer), target, "fuzz");
                assertTrue(r.entries() >= 0 && r.contentBytes() <= 1 << 20, r.toString());
                assertNoDeviceButWhiteouts(target);
            } catch (BerthException refused) {
                assertFalse(refused.getMessage() == null || refused.getMessage().isEmpty());
                assertTrue(refused.getMessage().startsWith("unpack layer fuzz"), refused.getMessage());
            }
            assertEquals(before, TestSupport.snapshot(canary), "canary changed");
            try (Stream<Path> s = Files.list(work)) {
                assertEquals(List.of("canary", "target"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                        "something was written next to the target");
            }
        } finally {
            TestSupport.deleteTree(work);
        }
    }

    private static void assertNoDeviceButWhiteouts(Path target) throws IOException {
        try (Stream<Path> s = Files.walk(target)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
                int type = (Integer) a.get("mode") & 0170000;
                if (type == 0020000 || type == 0060000) {
                    assertTrue(type == 0020000 && (Long) a.get("rdev") == 0L, "device node " + p);
                }
            }
        }
    }
}
