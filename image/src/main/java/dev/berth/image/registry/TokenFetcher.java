package dev.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.image.Digest;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Gets a bearer token from the token endpoint a Bearer challenge names (Docker's token authentication):
 * GET {@code realm?service=&scope=} with basic credentials if there are any, or, with an identity token,
 * POST the OAuth2 refresh-token grant. Tokens are cached in the {@link RegistryTransport}.
 */
final class TokenFetcher {
    private static final int MAX_TOKEN_RESPONSE = 1 << 20;
    private static final String CLIENT_ID = "berth";

    private final RegistryTransport transport;
    private final RegistryEndpoint endpoint;
    private final RegistryCredentials credentials;
    private final String op;

    /** {@code endpoint}: the registry the token is for (an insecure one's token endpoint is not verified either). */
    TokenFetcher(RegistryTransport transport, RegistryEndpoint endpoint, RegistryCredentials credentials, String op) {
        this.transport = transport;
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.op = op;
    }

    String token(AuthenticationMethodRetriever.Challenge challenge, String scope) {
        String realm = challenge.params().get("realm");
        if (realm == null || realm.isEmpty()) {
            throw RegistryClient.authFailed(op, "the registry's Bearer challenge has no realm");
        }
        String service = challenge.params().getOrDefault("service", "");
        String wantedScope = challenge.params().getOrDefault("scope", scope);
        // The secret is part of the key: a token got with the right password must not answer for a wrong one.
        String key = realm + "|" + service + "|" + wantedScope + "|" + credentials.username()
                + "|" + fingerprint(credentials.password()) + "|" + fingerprint(credentials.identityToken());
        return transport.token(key).orElseGet(() -> fetch(key, realm, service, wantedScope));
    }

    private String fetch(String key, String realm, String service, String scope) {
        HttpRequest request;
        URI uri;
        if (credentials.identityToken() != null) {
            uri = URI.create(realm);
            String form = "grant_type=refresh_token&client_id=" + CLIENT_ID + "&service=" + enc(service)
                    + (scope.isEmpty() ? "" : "&scope=" + enc(scope)) + "&refresh_token=" + enc(credentials.identityToken());
            request = HttpRequest.newBuilder(uri).timeout(RegistryClient.REQUEST_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        } else {
            // No scope is a login check (docker login asks for none).
            uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + "service=" + enc(service)
                    + (scope.isEmpty() ? "" : "&scope=" + enc(scope)));
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(RegistryClient.REQUEST_TIMEOUT).GET();
            if (credentials.hasPassword()) {
                b.header("Authorization", credentials.basicHeader());
            }
            request = b.build();
        }
        HttpResponse<byte[]> resp;
        try {
            resp = transport.http(endpoint).send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": reach token endpoint " + realm + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        }
        // OAuth2 refuses a refresh token with 400 invalid_grant.
        boolean refused = resp.statusCode() == 401 || resp.statusCode() == 403
                || (resp.statusCode() == 400 && credentials.identityToken() != null);
        if (refused) {
            throw RegistryClient.authFailed(op, resp.statusCode() + " from token endpoint " + realm + ": "
                    + RegistryClient.snippet(resp.body()));
        }
        if (resp.statusCode() != 200 || resp.body().length > MAX_TOKEN_RESPONSE) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": token endpoint " + realm + " answered "
                    + resp.statusCode() + ": " + RegistryClient.snippet(resp.body()));
        }
        JsonNode json = OciJson.read(resp.body(), JsonNode.class, op + ": token response from " + realm);
        String token = json.path("token").asText(json.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw RegistryClient.authFailed(op, "token endpoint " + realm + " returned no token");
        }
        long seconds = json.path("expires_in").asLong(0);
        transport.putToken(key, token, seconds > 0 ? Duration.ofSeconds(seconds) : RegistryTransport.DEFAULT_TOKEN_LIFETIME);
        return token;
    }

    private static String fingerprint(String secret) {
        return secret == null ? "" : Digest.sha256Of(secret.getBytes(StandardCharsets.UTF_8)).hex();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
