package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Ingest into the blob store: partial files kept, resumed, restarted or deleted. */
class BlobStoreTest {
    private static final byte[] DATA = new byte[200_000];

    static {
        new Random(3).nextBytes(DATA);
    }

    @TempDir Path root;

    private BlobStore store() throws Exception {
        BlobStore b = new BlobStore(root);
        b.init();
        return b;
    }

    /** Serves DATA from the offset asked; the first {@code cutAfter} bytes of a read, then a lost connection. */
    private static final class Server implements BlobStore.Source {
        final List<Long> asked = new ArrayList<>();
        int cutAfter = -1;

        @Override
        public BlobStore.Content open(long offset) {
            asked.add(offset);
            int cut = cutAfter;
            cutAfter = -1;
            InputStream in = new ByteArrayInputStream(DATA, (int) offset, DATA.length - (int) offset) {
                private int sent;

                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    if (cut >= 0 && sent >= cut) {
                        throw new BerthException(BerthException.Kind.UNAVAILABLE, "test: connection lost");
                    }
                    int n = super.read(b, off, cut >= 0 ? Math.min(len, cut - sent) : len);
                    sent += Math.max(n, 0);
                    return n;
                }
            };
            return new BlobStore.Content(in, offset);
        }
    }

    @Test
    void lostConnectionKeepsThePartialAndTheNextIngestResumesIt() throws Exception {
        BlobStore blobs = store();
        Digest d = Digest.sha256Of(DATA);
        Server server = new Server();
        server.cutAfter = 70_000;
        BerthException lost = assertThrows(BerthException.class, () -> blobs.ingest(server, d, DATA.length, "test"));
        assertEquals(BerthException.Kind.UNAVAILABLE, lost.kind());
        assertEquals(70_000, Files.size(blobs.partialPath(d)));
        assertFalse(blobs.has(d));
        assertTrue(store().ingest(server, d, DATA.length, "test"), "a reopened store resumes the partial file");
        assertEquals(List.of(0L, 70_000L), server.asked);
        assertArrayEquals(DATA, Files.readAllBytes(blobs.path(d)));
        assertFalse(Files.exists(blobs.partialPath(d)));
    }

    @Test
    void aSourceThatStartsOverTruncatesThePartial() throws Exception {
        BlobStore blobs = store();
        Digest d = Digest.sha256Of(DATA);
        Files.write(blobs.partialPath(d), Arrays.copyOf(DATA, 50_000));
        assertTrue(blobs.ingest(BlobStore.fromStart(new ByteArrayInputStream(DATA)), d, DATA.length, "test"));
        assertArrayEquals(DATA, Files.readAllBytes(blobs.path(d)));
    }

    @Test
    void mismatchDeletesThePartialAndAnEmptyBlobIsStored() throws Exception {
        BlobStore blobs = store();
        Digest wrong = Digest.sha256Of("other".getBytes());
        BerthException e = assertThrows(BerthException.class,
                () -> blobs.ingest(new Server(), wrong, DATA.length, "test"));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
        assertEquals(List.of(), TestSupport.list(root.resolve("partial")));

        Digest empty = Digest.sha256Of(new byte[0]);
        assertTrue(blobs.ingest(BlobStore.fromStart(InputStream.nullInputStream()), empty, 0, "test"));
        assertEquals(0, Files.size(blobs.path(empty)));
        assertEquals(List.of(), TestSupport.list(root.resolve("partial")));
    }
}
