package dev.berth.image.registry;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What all registry clients of one process share: the HTTP client (its connection pool) and the bearer
 * tokens, cached per token endpoint, service, scope and user until they expire. Thread-safe.
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

    public RegistryTransport() {
        // Redirects are followed by hand: the JDK would resend Authorization to the blob storage host.
        this(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build(), Clock.systemUTC());
    }

    RegistryTransport(HttpClient http, Clock clock) {
        this.http = http;
        this.clock = clock;
    }

    HttpClient http() {
        return http;
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
}
