package dev.berth.daemon.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.daemon.api.model.ImagePull;
import dev.berth.image.registry.RegistryCredentials;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whatever carries a registry password prints without it: such objects end up in messages and logs. */
class CredentialsNotPrintedTest {
    private static final String SECRET = "hunter2-berth";

    @Test
    void requestsAndCredentialsHideThePassword() {
        for (Object o : List.of(new AuthRoutes.Login("127.0.0.1:5000", "alice", SECRET),
                new ImagePull("127.0.0.1:5000/app:v1", null, "alice", SECRET),
                new RegistryCredentials("alice", SECRET, SECRET, SECRET))) {
            String printed = o.toString();
            assertFalse(printed.contains(SECRET), printed);
            assertTrue(printed.contains("alice"), "the user name still helps: " + printed);
        }
    }
}
