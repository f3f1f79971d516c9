package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The stream an unpack reads while its blob downloads: what it gives, and when it ends or gives up. */
class BlobInFlightTest {
    private static final byte[] DATA = new byte[300];

    static {
        new Random(5).nextBytes(DATA);
    }

    private static BlobInFlight inFlight() {
        return new BlobInFlight(DATA.length, "blob test");
    }

    @Test
    void endsOnlyOnceTheBlobIsVerified() throws Exception {
        BlobInFlight s = inFlight();
        s.bytes(0, DATA, 0, DATA.length);
        Thread[] reader = new Thread[1];
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            reader[0] = Thread.currentThread();
            try {
                return s.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        // Every byte is there, yet the reader waits: the end is the download's verdict.
        Await.until("the reader waits for the verdict", 10_000,
                () -> reader[0] != null && reader[0].getState() == Thread.State.WAITING);
        assertFalse(read.isDone());
        s.verified();
        assertArrayEquals(DATA, read.get(10, TimeUnit.SECONDS));
        assertFalse(s.startedOver());
    }

    @Test
    void bytesSeenAgainWhenADownloadResumesAreGivenOnce() throws Exception {
        BlobInFlight s = inFlight();
        s.bytes(0, DATA, 0, 100);
        // The next ingest re-reads the partial file from 0, then goes on from where it had stopped.
        s.bytes(0, DATA, 0, 64);
        s.bytes(64, DATA, 64, 36);
        s.bytes(50, DATA, 50, 100);
        s.bytes(150, DATA, 150, 150);
        s.verified();
        assertArrayEquals(DATA, s.readAllBytes());
    }

    @Test
    void aTruncatedPartialOrAGapMakesTheReaderStartOver() {
        BlobInFlight truncated = inFlight();
        truncated.bytes(0, DATA, 0, 100);
        truncated.startOver();
        assertTrue(truncated.startedOver());
        assertThrows(IOException.class, truncated::readAllBytes);

        BlobInFlight gap = inFlight();
        gap.bytes(0, DATA, 0, 100);
        gap.bytes(120, DATA, 120, 10);
        assertTrue(gap.startedOver());
        assertThrows(IOException.class, gap::readAllBytes);

        // Nothing given yet: starting over changes nothing for the reader.
        BlobInFlight early = inFlight();
        early.startOver();
        early.bytes(0, DATA, 0, DATA.length);
        early.verified();
        assertFalse(early.startedOver());
    }

    @Test
    void aBlobStoredByAnotherDownloadIsUnpackedFromTheStore() {
        BlobInFlight s = inFlight();
        s.bytes(0, DATA, 0, 100);
        s.verified();
        assertThrows(IOException.class, s::readAllBytes);
        assertTrue(s.startedOver());
    }

    @Test
    void aFailedDownloadFailsTheReaderWithItsError() throws Exception {
        BlobInFlight s = inFlight();
        s.bytes(0, DATA, 0, 100);
        BerthException mismatch = BerthException.invalid("blob digest mismatch");
        s.failed(mismatch);
        byte[] first = new byte[100];
        assertEquals(100, s.readNBytes(first, 0, 100));
        assertArrayEquals(Arrays.copyOf(DATA, 100), first);
        assertSame(mismatch, assertThrows(BerthException.class, s::read));
    }

    @Test
    void aReaderThatStopsNeverLeavesTheDownloadWaiting() throws Exception {
        BlobInFlight s = new BlobInFlight(BlobInFlight.MAX_QUEUED * 2L, "blob test");
        byte[] chunk = new byte[1 << 16];
        Thread[] writer = new Thread[1];
        CompletableFuture<Void> download = CompletableFuture.runAsync(() -> {
            writer[0] = Thread.currentThread();
            for (long at = 0; at < BlobInFlight.MAX_QUEUED * 2L; at += chunk.length) {
                s.bytes(at, chunk, 0, chunk.length);
            }
        });
        Await.until("the download waits for the reader", 10_000,
                () -> writer[0] != null && writer[0].getState() == Thread.State.WAITING);
        s.close();
        download.get(10, TimeUnit.SECONDS);
    }
}
