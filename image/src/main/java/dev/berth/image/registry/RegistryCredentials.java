package dev.berth.image.registry;

import dev.berth.oci.BerthException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials for one registry, shaped like the CRI/Docker AuthConfig: a user name and password, or an
 * identity token (an OAuth2 refresh token exchanged at the token endpoint), or a registry token (a bearer
 * token sent to the registry as is). Any field may be null.
 */
public record RegistryCredentials(String username, String password, String identityToken, String registryToken) {
    public static final RegistryCredentials ANONYMOUS = new RegistryCredentials(null, null, null, null);

    public static RegistryCredentials basic(String username, String password) {
        return new RegistryCredentials(username, password, null, null);
    }

    /** The AuthConfig {@code auth} field: base64 of {@code user:password}. */
    public static RegistryCredentials fromAuth(String base64) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw BerthException.invalid("read registry credentials: the auth field is not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw BerthException.invalid("read registry credentials: the auth field is not user:password");
        }
        return basic(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    boolean hasPassword() {
        return username != null && !username.isEmpty() && password != null;
    }

    String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Never prints secrets: these records end up in error messages and logs. */
    @Override
    public String toString() {
        return "RegistryCredentials[username=" + username + ", password=" + (password == null ? null : "***")
                + ", identityToken=" + (identityToken == null ? null : "***")
                + ", registryToken=" + (registryToken == null ? null : "***") + "]";
    }
}
