package dev.berth.image.registry;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GET {@code /v2/<name>/blobs/<digest>} as a stream, from an offset with a Range request when resuming.
 * A registry that ignores the Range (200) or answers another range than asked gives the whole blob, and
 * the stream says it starts at 0. Read errors become UNAVAILABLE naming the blob, so a registry that goes
 * away mid-blob reads as such and not as a local storage failure.
 */
final class BlobPuller {
    private static final System.Logger LOG = System.getLogger(BlobPuller.class.getName());
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");

    private final RegistryClient client;
    private final Digest digest;
    private final LongConsumer progress;

    BlobPuller(RegistryClient client, Digest digest, LongConsumer progress) {
        this.client = client;
        this.digest = digest;
        this.progress = progress == null ? n -> {} : progress;
    }

    RegistryClient.BlobStream pull(long offset) {
        String path = "/blobs/" + digest;
        HttpResponse<InputStream> resp = client.get(path, null, offset > 0 ? "bytes=" + offset + "-" : null);
        long start = 0;
        if (offset > 0 && resp.statusCode() == 206) {
            start = rangeStart(resp);
            if (start != offset) {
                LOG.log(System.Logger.Level.DEBUG, () -> client.op() + ": blob " + digest + ": asked for bytes from " + offset
                        + ", " + client.endpoint().host() + " answered " + resp.headers().firstValue("Content-Range")
                        .orElse("no Content-Range") + "; fetching it whole");
                RegistryClient.drain(resp);
                return whole(path);
            }
        } else if (offset > 0 && resp.statusCode() == 416) {
            RegistryClient.drain(resp);
            return whole(path);
        } else if (resp.statusCode() != 200) {
            throw client.httpError(resp, "blob " + digest);
        }
        if (offset > 0) {
            long from = start;
            LOG.log(System.Logger.Level.DEBUG, () -> client.op() + ": blob " + digest + ": " + (from == offset
                    ? "resuming at byte " + from : client.endpoint().host() + " ignores Range; fetching it whole"));
        }
        return new RegistryClient.BlobStream(counting(resp.body(), start), start);
    }

    private RegistryClient.BlobStream whole(String path) {
        HttpResponse<InputStream> resp = client.get(path, null, null);
        if (resp.statusCode() != 200) {
            throw client.httpError(resp, "blob " + digest);
        }
        return new RegistryClient.BlobStream(counting(resp.body(), 0), 0);
    }

    /** The first byte of a 206 answer; -1 when its Content-Range is missing or not one range. */
    private static long rangeStart(HttpResponse<InputStream> resp) {
        Matcher m = CONTENT_RANGE.matcher(resp.headers().firstValue("Content-Range").orElse("").trim());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private InputStream counting(InputStream body, long start) {
        return new FilterInputStream(body) {
            private long done = start;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (IOException e) {
                    throw new BerthException(BerthException.Kind.UNAVAILABLE, client.op() + ": fetch blob " + digest
                            + " from " + client.endpoint().host() + ": connection lost after " + done + " bytes: " + e, e);
                }
                if (n > 0) {
                    done += n;
                    progress.accept(done);
                }
                return n;
            }
        };
    }
}
