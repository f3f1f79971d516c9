package dev.berth.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class BerthExceptionTest {

    @Test
    void ioErrorsAreWordedWithoutJavaClassNames() {
        // What FileChannel.write throws on ENOSPC; its toString() was "java.io.IOException: No space left on device".
        assertEquals("no space left on device", BerthException.describe(new IOException("No space left on device")));
        assertEquals("no space left on device", BerthException.describe(
                new FileSystemException("/x/container.json", null, "No space left on device")));
        assertEquals("no such file or directory", BerthException.describe(new NoSuchFileException("/x")));
        assertEquals("permission denied", BerthException.describe(new AccessDeniedException("/x")));
        assertEquals("input/output error", BerthException.describe(new IOException()));
    }
}
