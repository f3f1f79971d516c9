package dev.berth.daemon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthStoreTest {
    @TempDir
    Path dir;

    @Test
    void keepsCredentialsInARootOnlyFileAcrossRestarts() throws Exception {
        Path file = dir.resolve("auth.json");
        AuthStore store = new AuthStore(file);
        store.put("127.0.0.1:5000", RegistryCredentials.basic("alice", "s3:cret"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.readString(file).contains("s3:cret"), "stored as docker does, base64, not as typed");

        AuthStore again = new AuthStore(file);
        assertEquals(RegistryCredentials.basic("alice", "s3:cret"), again.get("127.0.0.1:5000"));
        assertNull(again.get("127.0.0.1:5001"));
        assertTrue(again.remove("127.0.0.1:5000"));
        assertFalse(again.remove("127.0.0.1:5000"));
        assertNull(new AuthStore(file).get("127.0.0.1:5000"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void aFileOthersCouldReadIsReplacedByARootOnlyOne() throws Exception {
        Path file = dir.resolve("auth.json");
        Files.writeString(file, "{\"auths\": {}}");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        new AuthStore(file).put("127.0.0.1:5000", RegistryCredentials.basic("alice", "s3:cret"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "no temp file left beside it");
        }
    }

    @Test
    void anUnreadableFileIsSetAsideAndTheStoreStartsEmpty() throws Exception {
        Path file = dir.resolve("auth.json");
        for (String broken : List.of("{\"auths\": {\"h\": {\"auth\"", "", "\u0000garbage", "{\"auths\": [1, 2]}")) {
            Files.writeString(file, broken);
            AuthStore store = new AuthStore(file);
            assertNull(store.get("h"));
            Path aside = dir.resolve("auth.json.broken");
            assertEquals(broken, Files.readString(aside));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(aside)));
            store.put("h", RegistryCredentials.basic("u", "p"));
            assertEquals("u", new AuthStore(file).get("h").username(), "a new login is saved over it");
            Files.delete(file);
        }
    }

    @Test
    void registryNamesAreTheHostsPullsReach() {
        RegistriesConfig defaults = RegistriesConfig.defaults();
        assertEquals("registry-1.docker.io", AuthStore.endpoint("docker.io", defaults).host());
        assertEquals("registry-1.docker.io", AuthStore.endpoint("https://index.docker.io/v1/", defaults).host());
        assertEquals("127.0.0.1:5000", AuthStore.endpoint("http://127.0.0.1:5000/", defaults).host());
        assertTrue(AuthStore.endpoint("localhost:5000", defaults).insecure(), "loopback is plain http");

        RegistriesConfig mapped = new RegistriesConfig(List.of(), List.of(
                new RegistriesConfig.Registry("corp.example", "mirror.example:8443", true, false, List.of())));
        assertEquals("mirror.example:8443", AuthStore.endpoint("Corp.Example", mapped).host());
        assertTrue(AuthStore.endpoint("corp.example", mapped).insecure());
    }
}
