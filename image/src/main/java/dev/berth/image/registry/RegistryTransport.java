package dev.berth.image.registry;

import dev.berth.oci.BerthException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What all registry clients of one process share: the HTTP clients (their connection pools; one verifies
 * TLS certificates, the other, for insecure registries, does not), the bearer tokens, cached per token
 * endpoint, service, scope and user until they expire, and which insecure registries turned out to speak
 * plain http. Thread-safe.
 */
public final class RegistryTransport {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** Docker's token spec: a token without expires_in lasts 60 seconds. */
    static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** Tokens are dropped a little early so a request does not race the expiry. */
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(5);

    private record CachedToken(String token, Instant expires) {}

    private final HttpClient http;
    private final Clock clock;
    private final Map<String, CachedToken> tokens = new ConcurrentHashMap<>();
    private final Set<String> plainHttpHosts = ConcurrentHashMap.newKeySet();
    /** Made when the first insecure registry is reached. Guarded by this. */
    private HttpClient unverifiedHttp;

    public RegistryTransport() {
        this(newClient(null), Clock.systemUTC());
    }

    RegistryTransport(HttpClient http, Clock clock) {
        this.http = http;
        this.clock = clock;
    }

    /** The client for requests made for {@code endpoint} (to it, its redirects and its token endpoint). */
    HttpClient http(RegistryEndpoint endpoint) {
        return endpoint.insecure() ? unverifiedHttp() : http;
    }

    private synchronized HttpClient unverifiedHttp() {
        if (unverifiedHttp == null) {
            try {
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, new TrustManager[] {new TrustingTrustManager()}, null);
                unverifiedHttp = newClient(tls);
            } catch (GeneralSecurityException e) {
                throw BerthException.internal("set up TLS without certificate verification: " + e.getMessage(), e);
            }
        }
        return unverifiedHttp;
    }

    private static HttpClient newClient(SSLContext tls) {
        // Redirects are followed by hand: the JDK would resend Authorization to the blob storage host.
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            b.sslContext(tls);
        }
        return b.build();
    }

    /** Whether the insecure registry {@code host} answered TLS with plain http before. */
    boolean speaksPlainHttp(String host) {
        return plainHttpHosts.contains(host);
    }

    void rememberPlainHttp(String host) {
        plainHttpHosts.add(host);
    }

    Optional<String> token(String key) {
        CachedToken t = tokens.get(key);
        if (t == null || !clock.instant().isBefore(t.expires())) {
            return Optional.empty();
        }
        return Optional.of(t.token());
    }

    void putToken(String key, String token, Duration lifetime) {
        Duration keep = lifetime.compareTo(EXPIRY_MARGIN.multipliedBy(2)) > 0 ? lifetime.minus(EXPIRY_MARGIN) : lifetime;
        tokens.put(key, new CachedToken(token, clock.instant().plus(keep)));
    }

    /**
     * Accepts any certificate for any host name. An X509ExtendedTrustManager, because JSSE wraps a plain
     * X509TrustManager in one that still checks the host name.
     */
    private static final class TrustingTrustManager extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
