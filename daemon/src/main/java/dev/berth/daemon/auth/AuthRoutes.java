package dev.berth.daemon.auth;

import dev.berth.daemon.api.ApiHandler;
import dev.berth.daemon.api.Exchange;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryCredentials;
import dev.berth.image.registry.RegistryEndpoint;
import dev.berth.image.registry.RegistryTransport;
import dev.berth.oci.BerthException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.function.Supplier;

/** /v1/auth: {@code berth login} and {@code logout}; credentials are checked at the registry before they are kept. */
public final class AuthRoutes {
    private static final System.Logger LOG = System.getLogger(AuthRoutes.class.getName());

    /** Body of POST /v1/auth. */
    public record Login(String registry, String username, String password) {
        /** Never prints the password: requests end up in logs. */
        @Override
        public String toString() {
            return "Login[registry=" + registry + ", username=" + username + "]";
        }
    }

    private final AuthStore store;
    private final Supplier<RegistriesConfig> registries;
    /** Made on the first login: a daemon that never logs in needs no HTTP client. Guarded by this. */
    private RegistryTransport transport;

    public AuthRoutes(AuthStore store, Supplier<RegistriesConfig> registries) {
        this.store = store;
        this.registries = registries;
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("POST", "/v1/auth", (ex, m) -> login(ex))
                .add("DELETE", "/v1/auth/(.+)", (ex, m) -> {
                    logout(m.group(1));
                    ex.noContent();
                });
    }

    private void login(Exchange ex) {
        Login request = ex.body(Login.class);
        if (request.registry() == null || request.registry().isBlank()) {
            throw BerthException.invalid("login: a registry is required");
        }
        String op = "login to " + request.registry();
        if (request.username() == null || request.username().isEmpty() || request.password() == null
                || request.password().isEmpty()) {
            throw BerthException.invalid(op + ": a user name and a password are required");
        }
        RegistryEndpoint endpoint = AuthStore.endpoint(request.registry(), registries.get());
        String key = endpoint.host();
        RegistryCredentials credentials = RegistryCredentials.basic(request.username(), request.password());
        new RegistryClient(transport(), endpoint, "", credentials, op).checkAuth();
        store.put(key, credentials);
        LOG.log(Level.INFO, "stored credentials of {0} for {1}", request.username(), key);
        ex.json(HttpResponseStatus.OK, Map.of("registry", key, "status", "Login Succeeded"));
    }

    private void logout(String registry) {
        String key = AuthStore.endpoint(registry, registries.get()).host();
        if (!store.remove(key)) {
            throw BerthException.notFound("logout from " + registry + ": not logged in to " + key);
        }
        LOG.log(Level.INFO, "removed the credentials for {0}", key);
    }

    private synchronized RegistryTransport transport() {
        if (transport == null) {
            transport = new RegistryTransport();
        }
        return transport;
    }
}
