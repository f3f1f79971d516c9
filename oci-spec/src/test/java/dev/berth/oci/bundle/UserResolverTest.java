package dev.berth.oci.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.UserResolver.ResolvedUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserResolverTest {
    @TempDir
    Path tmp;
    Path rootfs;

    @BeforeEach
    void rootfs() throws IOException {
        rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                # a comment
                daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
                app:x:1000:1001:App:/home/app:/bin/sh
                broken:x:notanumber:1::/:/bin/sh
                """);
        Files.writeString(rootfs.resolve("etc/group"), """
                root:x:0:
                daemon:x:1:
                wheel:x:10:root,app
                appgrp:x:1001:
                audio:x:29:app
                video:x:44:other
                """);
    }

    private ResolvedUser resolve(String user) {
        return new UserResolver(rootfs).resolve(user);
    }

    @Test
    void nameResolvesUidGidHomeAndSupplementaryGroups() {
        ResolvedUser u = resolve("app");
        assertEquals(1000, u.uid());
        assertEquals(1001, u.gid());
        assertEquals(List.of(10L, 29L), u.additionalGids());
        assertEquals("/home/app", u.home());
        assertEquals(List.of(10L, 29L), u.toSpecUser().additionalGids());
    }

    @Test
    void numericUidUsesItsPasswdEntry() {
        ResolvedUser u = resolve("1000");
        assertEquals(1001, u.gid());
        assertEquals("app", u.name());
        assertEquals(List.of(10L, 29L), u.additionalGids());
    }

    @Test
    void unknownNumericUidGetsGidZero() {
        ResolvedUser u = resolve("4242");
        assertEquals(4242, u.uid());
        assertEquals(0, u.gid());
        assertEquals(List.of(), u.additionalGids());
        assertNull(u.toSpecUser().additionalGids());
        assertNull(u.name());
    }

    @Test
    void explicitGroupReplacesGidAndDropsSupplementaryGroups() {
        ResolvedUser named = resolve("app:audio");
        assertEquals(1000, named.uid());
        assertEquals(29, named.gid());
        assertEquals(List.of(), named.additionalGids());
        ResolvedUser numeric = resolve("1000:5555");
        assertEquals(5555, numeric.gid());
        ResolvedUser nameAndGid = resolve("daemon:44");
        assertEquals(1, nameAndGid.uid());
        assertEquals(44, nameAndGid.gid());
    }

    @Test
    void emptyMeansRoot() {
        ResolvedUser u = resolve("");
        assertEquals(0, u.uid());
        assertEquals(0, u.gid());
        assertEquals(List.of(10L), u.additionalGids());
    }

    @Test
    void unknownNamesAndBadSyntaxAreInvalid() {
        for (String bad : List.of("nobody", "app:nogroup", ":1", "1:", "99999999999", "1:99999999999", "broken")) {
            BerthException e = assertThrows(BerthException.class, () -> resolve(bad), bad);
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void missingFilesAllowNumericIdsOnly() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(7, new UserResolver(empty).resolve("7:8").uid());
        assertEquals(8, new UserResolver(null).resolve("7:8").gid());
        assertThrows(BerthException.class, () -> new UserResolver(empty).resolve("root"));
    }

    @Test
    void absoluteSymlinkOutOfTheRootfsIsResolvedInsideIt() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "evil:x:0:0::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), outside.resolve("passwd"));
        BerthException e = assertThrows(BerthException.class, () -> resolve("evil"));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());

        // The same target inside the rootfs is what the container would see, and is used.
        Path relocated = rootfs.resolve(outside.toString().substring(1));
        Files.createDirectories(relocated);
        Files.writeString(relocated.resolve("passwd"), "good:x:5:6::/:/bin/sh\n");
        assertEquals(5, resolve("good").uid());
    }

    @Test
    void relativeSymlinkEscapingWithDotDotIsClamped() throws IOException {
        Files.writeString(tmp.resolve("group"), "evil:x:0:app\n");
        Files.delete(rootfs.resolve("etc/group"));
        Files.createSymbolicLink(rootfs.resolve("etc/group"), Path.of("../../../../../group"));
        assertEquals(List.of(), resolve("app").additionalGids());
        assertEquals(RootfsPaths.resolve(rootfs, "/etc/group"), rootfs.resolve("group"));
    }

    @Test
    void symlinkedDirectoryIsFollowedWithinTheRootfs() throws IOException {
        Path real = Files.createDirectories(rootfs.resolve("real/etc"));
        Files.writeString(real.resolve("passwd"), "moved:x:77:77::/:/bin/sh\n");
        Files.move(rootfs.resolve("etc"), rootfs.resolve("oldetc"));
        Files.createSymbolicLink(rootfs.resolve("etc"), Path.of("/real/etc"));
        assertEquals(77, resolve("moved").uid());
        assertEquals(rootfs.resolve("real/etc/passwd"), RootfsPaths.resolve(rootfs, "/etc/passwd"));
    }

    @Test
    void symlinkLoopIsRejected() throws IOException {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("passwd"));
        BerthException e = assertThrows(BerthException.class, () -> resolve("root"));
        assertTrue(e.getMessage().contains("too many symlinks"), e.getMessage());
    }

    @Test
    void dotDotInTheRequestedPathIsClamped() {
        assertEquals(rootfs.resolve("etc/passwd"), RootfsPaths.resolve(rootfs, "../../../etc/./passwd"));
        assertEquals(rootfs, RootfsPaths.resolve(rootfs, "/.."));
    }
}
