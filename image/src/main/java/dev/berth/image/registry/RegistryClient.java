package dev.berth.image.registry;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Digest;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The registry operations Berth uses on one repository of one registry (OCI distribution API), each run
 * by its own class ({@link ManifestPuller}, {@link BlobPuller}); this class does what they share:
 * the scheme (https; plain http for loopback; for an insecure registry https without certificate
 * verification, or plain http if it does not speak TLS), authentication (anonymous, basic, bearer token after
 * a challenge), redirects and error mapping.
 * Thread-safe: layers are fetched in parallel through one client.
 */
public final class RegistryClient {
    /** Until the response headers arrive; bodies stream for as long as they take. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 << 10;
    private static final System.Logger LOG = System.getLogger(RegistryClient.class.getName());

    /** A manifest or index as the registry sent it; {@code digest} is the sha256 of {@code content}. */
    public record PulledManifest(byte[] content, String mediaType, Digest digest) {}

    private final RegistryTransport transport;
    private final RegistryEndpoint endpoint;
    private final String repository;
    private final RegistryCredentials credentials;
    private final String op;
    /** The Authorization header that last worked, so later requests skip the challenge round trip. */
    private volatile String authorization;

    /** {@code op} starts every error message ("pull 127.0.0.1:5000/app:v1"). */
    public RegistryClient(RegistryTransport transport, RegistryEndpoint endpoint, String repository,
                          RegistryCredentials credentials, String op) {
        this.transport = Objects.requireNonNull(transport);
        this.endpoint = Objects.requireNonNull(endpoint);
        this.repository = Objects.requireNonNull(repository);
        this.credentials = credentials == null ? RegistryCredentials.ANONYMOUS : credentials;
        this.op = op;
        if (this.credentials.registryToken() != null) {
            authorization = "Bearer " + this.credentials.registryToken();
        }
    }

    /** Fetches a manifest or index by tag or digest, at most {@code maxSize} bytes, digest checked. */
    public PulledManifest pullManifest(String tagOrDigest, long maxSize) {
        return new ManifestPuller(this, tagOrDigest, maxSize).pull();
    }

    /** A blob's content from byte {@code offset} on. */
    public record BlobStream(InputStream body, long offset) {}

    /**
     * Opens a blob's content as a stream from byte {@code offset} (a Range request), or from 0 when the
     * registry does not do ranges: the answer says which. The caller checks size and digest while reading it
     * and closes it. {@code progress} gets the blob's bytes received so far. A connection lost mid-blob is
     * UNAVAILABLE.
     */
    public BlobStream pullBlob(Digest digest, long offset, LongConsumer progress) {
        return new BlobPuller(this, digest, progress).pull(offset);
    }

    /**
     * Checks the credentials as {@code docker login} does: GET {@code /v2/}, answering the registry's
     * challenge (basic, or a bearer token without a repository scope). A registry that asks for nothing
     * accepts any credentials. Refused credentials are FAILED_PRECONDITION, an unreachable registry UNAVAILABLE.
     */
    public void checkAuth() {
        URI uri = endpoint.uri("/v2/");
        HttpResponse<InputStream> resp = send(uri, null, null, authorization);
        if (resp.statusCode() == 401) {
            String challenge = resp.headers().firstValue("WWW-Authenticate").orElse(null);
            String body = drain(resp);
            if (credentials.registryToken() != null) {
                throw authFailed(op, "401 " + body + " (registry token rejected)");
            }
            resp = send(uri, null, null, authenticate(challenge, body, ""));
            if (resp.statusCode() == 401) {
                throw authFailed(op, "401 " + endpoint.host() + " refused the user name or password: " + drain(resp));
            }
        }
        if (resp.statusCode() != 200) {
            throw httpError(resp, "check credentials");
        }
        drain(resp);
    }

    public RegistryEndpoint endpoint() {
        return endpoint;
    }

    public String repository() {
        return repository;
    }

    String op() {
        return op;
    }

    HttpResponse<InputStream> get(String path, String accept) {
        return get(path, accept, null);
    }

    /**
     * GET {@code /v2/<repository><path>}, authenticating once if the registry challenges; {@code range}
     * (a Range header value) may be null.
     */
    HttpResponse<InputStream> get(String path, String accept, String range) {
        URI uri = endpoint.uri("/v2/" + repository + path);
        String auth = authorization;
        HttpResponse<InputStream> resp = send(uri, accept, range, auth);
        if (resp.statusCode() == 401) {
            String challenge = resp.headers().firstValue("WWW-Authenticate").orElse(null);
            String body = drain(resp);
            if (credentials.registryToken() != null) {
                throw authFailed(op, "401 " + body + " (registry token rejected)");
            }
            auth = authenticate(challenge, body, "repository:" + repository + ":pull");
            resp = send(uri, accept, range, auth);
            if (resp.statusCode() == 401) {
                throw authFailed(op, "401 " + drain(resp));
            }
            authorization = auth;
        }
        if (resp.statusCode() == 403) {
            throw authFailed(op, "403 access denied to " + endpoint.host() + "/" + repository + ": " + drain(resp));
        }
        return resp;
    }

    private String authenticate(String header, String body, String scope) {
        AuthenticationMethodRetriever.Challenge challenge = AuthenticationMethodRetriever.parse(header)
                .orElseThrow(() -> authFailed(op, "401 without a WWW-Authenticate challenge: " + body));
        if (challenge.isBearer()) {
            return "Bearer " + new TokenFetcher(transport, endpoint, credentials, op).token(challenge, scope);
        }
        if (challenge.isBasic()) {
            if (!credentials.hasPassword()) {
                throw authFailed(op, "401 " + endpoint.host() + " requires a user name and password: " + body);
            }
            return credentials.basicHeader();
        }
        throw authFailed(op, "401 with unsupported authentication scheme '" + challenge.scheme() + "'");
    }

    private static URI plainHttp(URI uri) {
        return URI.create("http" + uri.toString().substring(uri.getScheme().length()));
    }

    /** GET {@code uri} (the endpoint's), following redirects; an insecure registry found to speak http gets http. */
    private HttpResponse<InputStream> send(URI uri, String accept, String range, String auth) {
        URI current = transport.speaksPlainHttp(endpoint.host()) ? plainHttp(uri) : uri;
        String currentAuth = auth;
        for (int redirects = 0; ; redirects++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(REQUEST_TIMEOUT).GET();
            if (accept != null) b.header("Accept", accept);
            if (range != null) b.header("Range", range);
            if (currentAuth != null) b.header("Authorization", currentAuth);
            HttpResponse<InputStream> resp;
            try {
                resp = transport.http(endpoint).send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                SSLException tls = tlsFailure(e);
                if (tls != null && endpoint.insecure() && redirects == 0 && "https".equals(current.getScheme())) {
                    // registries.conf's insecure: TLS without verification, else plain http.
                    LOG.log(System.Logger.Level.INFO, op + ": insecure registry " + endpoint.host()
                            + " does not speak TLS (" + tls.getMessage() + "); using plain http");
                    transport.rememberPlainHttp(endpoint.host());
                    current = plainHttp(current);
                    redirects--;
                    continue;
                }
                if (tls != null) {
                    throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": TLS connection to registry "
                            + endpoint.host() + " failed: " + tls.getMessage() + " (for a registry whose certificate "
                            + "cannot be verified, mark it insecure = true in the registries config)", e);
                }
                // The JDK's connect failures often have no message; their class name is no message for a client.
                String why = e.getMessage() != null ? e.getMessage()
                        : e instanceof java.net.ConnectException ? "cannot connect" : "I/O error";
                throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": reach registry " + endpoint.host()
                        + ": " + why, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
            }
            int code = resp.statusCode();
            String location = resp.headers().firstValue("Location").orElse(null);
            if (code < 300 || code >= 400 || code == 304 || location == null) {
                return resp;
            }
            drain(resp);
            if (redirects >= MAX_REDIRECTS) {
                throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": more than " + MAX_REDIRECTS
                        + " redirects from " + endpoint.host());
            }
            URI next = current.resolve(location);
            // Credentials for the registry are not for the storage it redirects blob reads to.
            if (!Objects.equals(next.getScheme(), current.getScheme()) || !Objects.equals(next.getHost(), current.getHost())
                    || next.getPort() != current.getPort()) {
                currentAuth = null;
            }
            current = next;
        }
    }

    /** The innermost TLS error that {@code e} was caused by, or null. */
    private static SSLException tlsFailure(Throwable e) {
        SSLException found = null;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SSLException ssl) found = ssl;
        }
        return found;
    }

    /** The error for a non-200 answer about {@code what}; consumes the body. */
    BerthException httpError(HttpResponse<InputStream> resp, String what) {
        int code = resp.statusCode();
        String msg = op + ": " + what + ": " + endpoint.host() + " answered " + code + ": " + drain(resp);
        if (code == 404) return BerthException.notFound(msg);
        if (code == 429 || code >= 500) return new BerthException(BerthException.Kind.UNAVAILABLE, msg);
        return BerthException.conflict(msg);
    }

    static BerthException authFailed(String op, String detail) {
        return BerthException.conflict(op + ": authentication failed: " + detail);
    }

    static String snippet(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 512), StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "(empty body)" : s;
    }

    static String drain(HttpResponse<InputStream> resp) {
        try (InputStream in = resp.body()) {
            return snippet(in.readNBytes(MAX_ERROR_BODY));
        } catch (IOException e) {
            return "(body unreadable: " + e.getMessage() + ")";
        }
    }
}
