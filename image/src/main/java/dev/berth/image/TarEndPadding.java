package dev.berth.image;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A layer tar with its missing end supplied: some image tools (umoci 0.4 {@code insert}) write layers that stop
 * after the last entry's data, without the padding to the 512-byte record and without the two zero records that
 * end an archive; containerd and runc's tar readers take them, Commons Compress calls them truncated. When the
 * stream ends where the current entry's data is all there ({@link #entryDataEnds}), this supplies zeros up to the
 * record boundary plus the two end records. A stream that ends inside an entry's data, or inside a record after
 * that data which is not all zeros (a header cut short), is refused. Sits above the digest: the supplied zeros are
 * not part of the layer.
 */
final class TarEndPadding extends FilterInputStream {
    static final int RECORD = 512;
    private static final int END_OF_ARCHIVE = 2 * RECORD;

    private long position;
    private long dataEnd;
    private long lastNonZero = -1;
    private long zerosLeft = -1;

    TarEndPadding(InputStream in) {
        super(in);
    }

    /** The tar reader stands at the start of an entry whose data has {@code size} bytes. */
    void entryDataEnds(long size) {
        dataEnd = position + size;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (zerosLeft < 0) {
            int n = in.read(b, off, len);
            if (n > 0) {
                for (int i = off + n - 1; i >= off; i--) {
                    if (b[i] != 0) {
                        lastNonZero = position + i - off;
                        break;
                    }
                }
                position += n;
                return n;
            }
            if (n == 0) {
                return 0;
            }
            checkEndsCleanly();
            zerosLeft = (RECORD - position % RECORD) % RECORD + END_OF_ARCHIVE;
        }
        if (zerosLeft == 0) {
            return -1;
        }
        int n = (int) Math.min(len, zerosLeft);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        zerosLeft -= n;
        return n;
    }

    private void checkEndsCleanly() throws EOFException {
        if (position < dataEnd) {
            throw new EOFException("Truncated TAR archive: the layer ends " + (dataEnd - position)
                    + " bytes before the end of an entry's data");
        }
        long recordStart = position - position % RECORD;
        long paddedDataEnd = (dataEnd + RECORD - 1) / RECORD * RECORD;
        if (position > paddedDataEnd && position != recordStart && lastNonZero >= recordStart) {
            throw new EOFException("Truncated TAR archive: the layer ends inside a tar header, at byte " + position);
        }
    }

    /** Reads instead of skipping, so that skips go through the end handling above. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
        int k = n <= 0 ? 0 : read(buf, 0, (int) Math.min(buf.length, n));
        return Math.max(k, 0);
    }

    @Override
    public int available() throws IOException {
        return zerosLeft < 0 ? in.available() : (int) Math.min(zerosLeft, Integer.MAX_VALUE);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
