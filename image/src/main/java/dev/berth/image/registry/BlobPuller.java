package dev.berth.image.registry;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.function.LongConsumer;

/**
 * GET {@code /v2/<name>/blobs/<digest>} as a stream. Read errors become UNAVAILABLE naming the blob, so a
 * registry that goes away mid-blob reads as such and not as a local storage failure.
 */
final class BlobPuller {
    private final RegistryClient client;
    private final Digest digest;
    private final LongConsumer progress;

    BlobPuller(RegistryClient client, Digest digest, LongConsumer progress) {
        this.client = client;
        this.digest = digest;
        this.progress = progress == null ? n -> {} : progress;
    }

    InputStream pull() {
        HttpResponse<InputStream> resp = client.get("/blobs/" + digest, null);
        if (resp.statusCode() != 200) {
            throw client.httpError(resp, "blob " + digest);
        }
        return new FilterInputStream(resp.body()) {
            private long done;

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
