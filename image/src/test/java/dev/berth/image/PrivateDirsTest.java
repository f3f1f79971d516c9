package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDirsTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aMissingDirIsMadeOwnerOnlyAndAnOpenOneIsTightened() throws IOException {
        Path made = PrivateDirs.ensure(tmp.resolve("a/b"));
        assertEquals("rwx------", mode(made));

        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        PrivateDirs.ensure(open);
        assertEquals("rwx------", mode(open));

        PrivateDirs.ensure(open, "rwx--x---");
        assertEquals("rwx--x---", mode(open));
    }

    @Test
    void createMakesAnOwnerOnlyDirAndEnsureEachTightensDirsButNotFilesOrLinks() throws IOException {
        Path parent = Files.createDirectory(tmp.resolve("containers"));
        assertEquals("rwx------", mode(PrivateDirs.create(parent.resolve("new"))));
        Path old = Files.createDirectory(parent.resolve("old"));
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.createFile(parent.resolve("file"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(parent.resolve("link"), outside);

        PrivateDirs.ensureEach(parent);
        assertEquals("rwx------", mode(old));
        assertEquals("rw-r--r--", mode(file));
        assertEquals("rwxr-xr-x", mode(outside), "a link's target is not the store's");
    }
}
