package dev.berth.image.registry;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RegistryConfigAndAuthTest {
    @Test
    void parsesBearerAndBasicChallenges() {
        var bearer = AuthenticationMethodRetriever.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"").orElseThrow();
        assertTrue(bearer.isBearer());
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/busybox:pull"), bearer.params());
        var basic = AuthenticationMethodRetriever.parse("Basic realm=basic-realm").orElseThrow();
        assertTrue(basic.isBasic());
        assertEquals("basic-realm", basic.params().get("realm"));
        assertTrue(AuthenticationMethodRetriever.parse(null).isEmpty());
    }

    @Test
    void endpointsDefaultToHttpsExceptLoopbackAndMapDockerHub() {
        assertEquals("https://registry-1.docker.io/v2/", new RegistryEndpoint("docker.io", false).uri("/v2/").toString());
        assertEquals("http://localhost:5000/v2/", new RegistryEndpoint("localhost:5000", false).uri("/v2/").toString());
        assertTrue(new RegistryEndpoint("127.1.2.3", false).insecure());
        assertTrue(new RegistryEndpoint("[::1]:5000", false).insecure());
        assertFalse(new RegistryEndpoint("example.com:5000", false).insecure());
        assertFalse(new RegistryEndpoint("127.0.0.1.example.com", false).insecure());
        // Insecure is TLS without verification first (plain http only when the registry does not speak TLS).
        assertEquals("https://example.com:5000/v2/", new RegistryEndpoint("example.com:5000", true).uri("/v2/").toString());
    }

    @Test
    void configGivesMirrorsThenOriginByLongestPrefix() {
        RegistriesConfig cfg = RegistriesConfig.parse("""
                unqualified-search-registries = ["quay.io", "docker.io"]
                [[registry]]
                prefix = "example.com"
                location = "example.com"
                [[registry.mirror]]
                location = "mirror-a.internal"
                [[registry.mirror]]
                location = "mirror-b.internal:5000/cache"
                insecure = true
                [[registry]]
                prefix = "example.com/team"
                location = "team.internal/t"
                insecure = true
                [[registry]]
                location = "bad.example"
                blocked = true
                """, "test");
        assertEquals(List.of("quay.io", "docker.io"), cfg.unqualifiedSearchRegistries());
        assertEquals(List.of(
                new RegistriesConfig.Source(new RegistryEndpoint("mirror-a.internal", false), "app"),
                new RegistriesConfig.Source(new RegistryEndpoint("mirror-b.internal:5000", true), "cache/app"),
                new RegistriesConfig.Source(new RegistryEndpoint("example.com", false), "app")),
                cfg.sources("example.com", "app"));
        assertEquals(List.of(new RegistriesConfig.Source(new RegistryEndpoint("team.internal", true), "t/x")),
                cfg.sources("example.com", "team/x"));
        assertEquals(List.of(new RegistriesConfig.Source(new RegistryEndpoint("registry-1.docker.io", false), "library/busybox")),
                cfg.sources("docker.io", "library/busybox"));
        BerthException blocked = assertThrows(BerthException.class, () -> cfg.sources("bad.example", "x"));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, blocked.kind());
        assertThrows(BerthException.class, () -> RegistriesConfig.parse("[[registry]]\ninsecure = true\n", "test"));
        assertEquals(List.of("docker.io"), RegistriesConfig.parse("", "empty").unqualifiedSearchRegistries());
    }

    @Test
    void credentialsDecodeAuthAndHideSecrets() {
        RegistryCredentials c = RegistryCredentials.fromAuth("dXNlcjpwYTpzcw==");
        assertEquals("user", c.username());
        assertEquals("pa:ss", c.password());
        assertFalse(c.toString().contains("pa:ss"));
        assertThrows(BerthException.class, () -> RegistryCredentials.fromAuth("!!"));
    }
}
