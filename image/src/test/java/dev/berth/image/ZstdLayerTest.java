package dev.berth.image;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ZstdLayerTest {
    @TempDir Path tmp;

    @Test
    void unpacksZstdLayers() throws Exception {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdCompressorOutputStream(blob))) {
            byte[] content = "zstd\n".getBytes();
            TarArchiveEntry e = new TarArchiveEntry("hello");
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        Path target = Files.createDirectory(tmp.resolve("t"));
        new LayerUnpacker().unpack(new ByteArrayInputStream(blob.toByteArray()), target, "zstd-test");
        assertEquals("zstd\n", Files.readString(target.resolve("hello")));
    }
}
