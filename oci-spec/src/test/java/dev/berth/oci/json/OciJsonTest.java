package dev.berth.oci.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.runtime.Root;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciJsonTest {

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void malformedFileNamesTheFileAndPosition(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"ociVersion\": \"1.0.2\",\n \"process\": {");
        BerthException e = assertThrows(BerthException.class, () -> OciJson.read(f, Spec.class));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("read " + f + ": malformed Spec JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertTrue(e.getCause() != null);
    }

    @Test
    void wrongTypeEmptyNullAndTrailingInputAreMalformed(@TempDir Path dir) throws IOException {
        for (String bad : List.of("", "null", "[1]", "{\"process\": 5}", "{} {}", "{\"ociVersion\":\"1\"} x")) {
            Path f = dir.resolve("state.json");
            Files.writeString(f, bad);
            BerthException e = assertThrows(BerthException.class, () -> OciJson.read(f, Spec.class), bad);
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), bad);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void duplicateKeysAreMalformed() {
        BerthException e = assertThrows(BerthException.class, () -> OciJson.read(
                "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"path\":\"/\"}}".getBytes(StandardCharsets.UTF_8),
                Spec.class));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("read Spec document: malformed Spec JSON at line 1"), e.getMessage());
        assertTrue(e.getMessage().contains("Duplicate field 'path'"), e.getMessage());
    }

    @Test
    void nestingDeeperThanTheCapIsMalformedEvenInUnknownFields() {
        String deep = "[".repeat(OciJson.MAX_NESTING_DEPTH + 1) + "]".repeat(OciJson.MAX_NESTING_DEPTH + 1);
        BerthException e = assertThrows(BerthException.class, () -> OciJson.read(
                ("{\"ociVersion\":\"1.0.2\",\"x-unknown\":" + deep + "}").getBytes(StandardCharsets.UTF_8), Spec.class));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
        String fits = "[".repeat(OciJson.MAX_NESTING_DEPTH - 1) + "]".repeat(OciJson.MAX_NESTING_DEPTH - 1);
        assertEquals("1.0.2", OciJson.read(("{\"ociVersion\":\"1.0.2\",\"x-unknown\":" + fits + "}")
                .getBytes(StandardCharsets.UTF_8), Spec.class).ociVersion());
    }

    @Test
    void badlyEncodedBytesAreMalformed() {
        // Four bytes that make Jackson read UTF-32, then a character above U+10FFFF (found by ImageImportFuzzTest).
        byte[] utf32 = {0, 0, 0, '{', 0x01, (byte) 0xbc, (byte) 0xbf, (byte) 0xef, 0, 0, 0, '}'};
        BerthException e = assertThrows(BerthException.class, () -> OciJson.read(utf32, Spec.class));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("read Spec document: malformed Spec JSON: Invalid UTF-32 character"),
                e.getMessage());
    }

    @Test
    void missingFileIsNotFound(@TempDir Path dir) {
        Path f = dir.resolve("nope.json");
        BerthException e = assertThrows(BerthException.class, () -> OciJson.read(f, Spec.class));
        assertEquals(BerthException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains(f.toString()));
    }

    @Test
    void bytesReadNamesTheDocumentType() {
        BerthException e = assertThrows(BerthException.class,
                () -> OciJson.read("{".getBytes(StandardCharsets.UTF_8), Root.class));
        assertTrue(e.getMessage().startsWith("read Root document: malformed Root JSON"), e.getMessage());
    }

    @Test
    void atomicWriteReplacesContentAndLeavesNoTempFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("state.json");
        Files.writeString(f, "old content that is longer than the new one, to catch a missing truncate");
        OciJson.writeAtomically(f, new Root("rootfs", true));
        assertEquals(new Root("rootfs", true), OciJson.read(f, Root.class));
        assertEquals(List.of("state.json"), names(dir));
        OciJson.writeAtomically(f, "x".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
        assertEquals(List.of("state.json"), names(dir));
    }

    @Test
    void failedAtomicWriteKeepsTheOldStateAndCleansUp(@TempDir Path dir) throws IOException {
        // A non-empty directory at the target makes the rename fail after the temp file is written.
        Path target = dir.resolve("state.json");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep"), "k");
        BerthException e = assertThrows(BerthException.class, () -> OciJson.writeAtomically(target, new Root("r", false)));
        assertEquals(BerthException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().startsWith("write " + target), e.getMessage());
        assertEquals(List.of("state.json"), names(dir));
        assertEquals(List.of("keep"), names(target));
    }

    @Test
    void atomicWriteIntoMissingDirectoryIsNotFound(@TempDir Path dir) {
        BerthException e = assertThrows(BerthException.class,
                () -> OciJson.writeAtomically(dir.resolve("no/such/f.json"), new Root("r", false)));
        assertEquals(BerthException.Kind.NOT_FOUND, e.kind());
    }
}
