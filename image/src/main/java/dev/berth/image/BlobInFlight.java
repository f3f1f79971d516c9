package dev.berth.image;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A blob being downloaded, read as it arrives: the {@link BlobStore.Tap} of its ingest on one side, an
 * InputStream for the layer unpacker on the other, so unpacking overlaps the download.
 *
 * <p>The stream ends only once the downloader reports the blob verified and stored ({@link #verified()})
 * and every one of its bytes went through here in order: what is unpacked from it is exactly the verified
 * blob. A download that fails makes the reader fail with the same error. When the bytes seen may not be
 * the blob's (the partial file was truncated or deleted, or the blob was stored by another ingest),
 * the reader gets an IOException, and {@link #startedOver()} says so for good: an unpack that failed on
 * such bytes says nothing about the blob; unpack again from the stored blob. At most {@link #MAX_QUEUED} bytes wait
 * for the reader; the downloader waits beyond that, so a slow unpack slows the download and not the heap.
 */
final class BlobInFlight extends InputStream implements BlobStore.Tap {
    static final int MAX_QUEUED = 4 << 20;

    private enum State { DOWNLOADING, VERIFIED, FAILED }

    private final long size;
    private final String what;
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private long queued;
    private byte[] current;
    private int pos;
    private long received;
    private boolean broken;
    private boolean readerGone;
    private State state = State.DOWNLOADING;
    private RuntimeException failure;

    /** A blob of {@code size} bytes; {@code what} names it in errors. */
    BlobInFlight(long size, String what) {
        this.size = size;
        this.what = what;
    }

    @Override
    public synchronized void bytes(long offset, byte[] b, int off, int len) {
        if (broken || readerGone || offset + len <= received) {
            return;
        }
        if (offset > received) {
            breakStream();
            return;
        }
        byte[] chunk = Arrays.copyOfRange(b, off + (int) (received - offset), off + len);
        try {
            while (queued >= MAX_QUEUED && !readerGone && !broken) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, what + ": interrupted", e);
        }
        if (readerGone || broken) {
            return;
        }
        chunks.add(chunk);
        queued += chunk.length;
        received += chunk.length;
        notifyAll();
    }

    @Override
    public synchronized void startOver() {
        if (received > 0) {
            breakStream();
        }
    }

    private void breakStream() {
        broken = true;
        chunks.clear();
        queued = 0;
        notifyAll();
    }

    /** Whether the bytes given to the reader may not be the blob's (see the class comment). */
    synchronized boolean startedOver() {
        return broken;
    }

    /** The downloader's end: the blob is verified and in the store. */
    synchronized void verified() {
        state = State.VERIFIED;
        notifyAll();
    }

    /** The downloader's end: the download failed with {@code e}. */
    synchronized void failed(RuntimeException e) {
        state = State.FAILED;
        failure = e;
        notifyAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (readerGone) {
                throw new IOException(what + ": stream closed");
            }
            if (broken) {
                throw new IOException(what + ": its partial download started over");
            }
            if (current != null && pos < current.length) {
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
            if (!chunks.isEmpty()) {
                current = chunks.poll();
                pos = 0;
                queued -= current.length;
                notifyAll();
                continue;
            }
            if (state == State.FAILED) {
                throw failure;
            }
            if (state == State.VERIFIED) {
                if (received == size) {
                    return -1;
                }
                broken = true;
                throw new IOException(what + ": stored by another download");
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(what + ": interrupted");
            }
        }
    }

    /** The reader is done: the downloader no longer queues anything, and never waits for it. */
    @Override
    public synchronized void close() {
        readerGone = true;
        chunks.clear();
        queued = 0;
        current = null;
        notifyAll();
    }
}
