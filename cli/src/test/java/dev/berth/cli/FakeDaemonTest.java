package dev.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests against a {@link FakeDaemon}: it is closed after each test, and must have seen no failure. */
abstract class FakeDaemonTest {
    @TempDir
    Path dir;
    FakeDaemon daemon;

    @AfterEach
    void stopDaemon() throws IOException {
        if (daemon != null) {
            daemon.close();
            assertEquals(List.of(), daemon.failures, "the fake daemon failed");
        }
    }

    List<String> requestLines() {
        return daemon.requests.stream().map(FakeDaemon.Request::toString).toList();
    }
}
