package dev.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Digest;
import dev.berth.oci.spec.image.MediaTypes;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/**
 * GET {@code /v2/<name>/manifests/<reference>}, accepting OCI and Docker schema2 manifests and indexes. The
 * content is checked against the digest asked for, and against {@code Docker-Content-Digest} when the
 * registry sends one, so a tag pull is as safe as the registry's own bookkeeping.
 */
final class ManifestPuller {
    static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST,
            MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST);

    private final RegistryClient client;
    private final String reference;
    private final long maxSize;

    ManifestPuller(RegistryClient client, String reference, long maxSize) {
        this.client = client;
        this.reference = reference;
        this.maxSize = maxSize;
    }

    RegistryClient.PulledManifest pull() {
        String op = client.op();
        Digest wanted = reference.contains(":") ? Digest.parse(reference) : null;
        if (wanted != null && !Digest.SHA256.equals(wanted.algorithm())) {
            throw BerthException.invalid(op + ": only sha256 manifest digests are supported");
        }
        HttpResponse<InputStream> resp = client.get("/manifests/" + reference, ACCEPT);
        if (resp.statusCode() != 200) {
            throw client.httpError(resp, "manifest " + reference);
        }
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxSize + 1));
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": read manifest " + reference + " from "
                    + client.endpoint().host() + ": " + e, e);
        }
        if (body.length > maxSize) {
            throw BerthException.invalid(op + ": manifest " + reference + " is larger than " + maxSize + " bytes");
        }
        Digest actual = Digest.sha256Of(body);
        if (wanted != null && !wanted.equals(actual)) {
            throw BerthException.invalid(op + ": manifest digest mismatch: asked for " + wanted + ", content is " + actual);
        }
        String header = resp.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (header != null && header.startsWith(Digest.SHA256 + ":") && !header.equals(actual.toString())) {
            throw BerthException.invalid(op + ": manifest digest mismatch: the registry says " + header
                    + ", content is " + actual);
        }
        return new RegistryClient.PulledManifest(body, mediaType(resp, body, op), actual);
    }

    /** The document's own mediaType wins: Content-Type is often a generic JSON type. */
    private String mediaType(HttpResponse<InputStream> resp, byte[] body, String op) {
        JsonNode json = OciJson.read(body, JsonNode.class, op + ": manifest " + reference);
        String inBody = json.path("mediaType").asText("");
        if (!inBody.isEmpty()) {
            return inBody;
        }
        String contentType = resp.headers().firstValue("Content-Type").orElse("");
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    }
}
