package dev.berth.daemon.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.cri.v1.AuthConfig;
import dev.berth.image.registry.RegistryCredentials;
import dev.berth.oci.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ImagePullCredentialsTest {
    @Test
    void noAuthIsAnonymousSoStoredLoginsStillApply() {
        assertSame(RegistryCredentials.ANONYMOUS, ImagePull.credentials(AuthConfig.getDefaultInstance()));
    }

    @Test
    void userAndPassword() {
        assertEquals(RegistryCredentials.basic("u", "p"),
                ImagePull.credentials(AuthConfig.newBuilder().setUsername("u").setPassword("p").build()));
    }

    @Test
    void theDockerConfigAuthFieldIsDecoded() {
        String auth = Base64.getEncoder().encodeToString("u:p:w".getBytes(StandardCharsets.UTF_8));
        assertEquals(RegistryCredentials.basic("u", "p:w"),
                ImagePull.credentials(AuthConfig.newBuilder().setAuth(auth).setUsername("ignored").build()));
        BerthException e = assertThrows(BerthException.class,
                () -> ImagePull.credentials(AuthConfig.newBuilder().setAuth("%%%").build()));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void tokensComeAlongWithOrWithoutAUser() {
        assertEquals(new RegistryCredentials(null, null, "refresh", null),
                ImagePull.credentials(AuthConfig.newBuilder().setIdentityToken("refresh").build()));
        assertEquals(new RegistryCredentials("u", "", null, "bearer"),
                ImagePull.credentials(AuthConfig.newBuilder().setUsername("u").setRegistryToken("bearer").build()));
    }
}
