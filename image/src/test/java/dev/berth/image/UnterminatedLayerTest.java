package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Layer tars that stop without the end-of-archive records (umoci 0.4's {@code insert} writes them) are taken
 * when every entry's data is there; a tar whose entry data or header is cut short is still refused.
 */
class UnterminatedLayerTest {
    private static final int RECORD = 512;
    private static final byte[] FIRST = "hello".getBytes(UTF_8);
    private static final byte[] SECOND = "second file, longer than the first".getBytes(UTF_8);

    @TempDir Path tmp;

    /** dir/, dir/first (5 bytes), dir/second: every record of a well-ended tar, and where the second's data ends. */
    private static byte[] tar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            TarArchiveEntry dir = new TarArchiveEntry("dir/");
            dir.setMode(040755);
            t.putArchiveEntry(dir);
            t.closeArchiveEntry();
            for (var f : new Object[][] {{"dir/first", FIRST}, {"dir/second", SECOND}}) {
                TarArchiveEntry e = new TarArchiveEntry((String) f[0]);
                byte[] data = (byte[]) f[1];
                e.setSize(data.length);
                e.setMode(0100644);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    /** The offset just after the second file's data: three headers, the first file's padded data, the second's. */
    private static final int SECOND_DATA_END = RECORD + RECORD + RECORD + RECORD + SECOND.length;

    private LayerUnpacker.Result unpack(byte[] layer, Path target) throws IOException {
        Files.createDirectories(target);
        return new LayerUnpacker().unpack(new ByteArrayInputStream(layer), target, "test");
    }

    private void assertUnpacked(byte[] layer) throws IOException {
        Path target = tmp.resolve("t" + System.nanoTime());
        LayerUnpacker.Result r = unpack(layer, target);
        assertArrayEquals(FIRST, Files.readAllBytes(target.resolve("dir/first")));
        assertArrayEquals(SECOND, Files.readAllBytes(target.resolve("dir/second")));
        assertEquals(3, r.entries());
        assertEquals(layer.length, r.tarSize());
        assertEquals(Digest.sha256Of(layer), r.diffId(), "the diff id is that of the bytes as they came");
    }

    @Test
    void wellEndedTarUnpacks() throws IOException {
        assertUnpacked(tar());
    }

    @Test
    void noEndOfArchiveRecords() throws IOException {
        assertUnpacked(Arrays.copyOf(tar(), SECOND_DATA_END + (RECORD - SECOND.length)));
    }

    @Test
    void noPaddingAfterTheLastFile() throws IOException {
        assertUnpacked(Arrays.copyOf(tar(), SECOND_DATA_END));
    }

    @Test
    void endInsideTheFinalPadding() throws IOException {
        assertUnpacked(Arrays.copyOf(tar(), SECOND_DATA_END + 7));
    }

    @Test
    void endInsideTheEndOfArchiveRecords() throws IOException {
        assertUnpacked(Arrays.copyOf(tar(), SECOND_DATA_END + (RECORD - SECOND.length) + 100));
    }

    @Test
    void lastFileCutShortIsRefused() throws IOException {
        refused(Arrays.copyOf(tar(), SECOND_DATA_END - 1));
    }

    @Test
    void earlierFileCutShortIsRefused() throws IOException {
        refused(Arrays.copyOf(tar(), 2 * RECORD + FIRST.length - 2));
    }

    @Test
    void headerCutShortIsRefused() throws IOException {
        refused(Arrays.copyOf(tar(), 3 * RECORD + 100));
    }

    private void refused(byte[] layer) throws IOException {
        Path target = tmp.resolve("t" + System.nanoTime());
        BerthException e = assertThrows(BerthException.class, () -> unpack(layer, target));
        assertTrue(e.getMessage().startsWith("unpack layer test"), e.getMessage());
        assertTrue(e.getMessage().contains("Truncated TAR archive"), e.getMessage());
    }
}
