package dev.berth.image;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Directories only root may enter, on the way to container and image content under ROOT and RUN_ROOT (a
 * container's upper dir, an unpacked layer). That content keeps the owners and modes the image and the
 * container gave it, setuid-root binaries and world-writable directories included, so no host user may reach
 * it: Docker's 0700/0710 under /var/lib/docker. The protection sits on an ancestor, never on the content's
 * own top: an overlay's root directory takes its mode from the upper dir, and the container's users must
 * still enter it.
 */
public final class PrivateDirs {
    public static final String OWNER_ONLY = "rwx------";

    private PrivateDirs() {
    }

    /** {@code dir} at 0700: made if missing (parents as the umask says), tightened if an older berthd left it open. */
    public static Path ensure(Path dir) throws IOException {
        return ensure(dir, OWNER_ONLY);
    }

    /** {@code dir} with exactly {@code mode} ({@code rwx--x---}): made if missing, changed if it differs. */
    public static Path ensure(Path dir, String mode) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(perms));
            } catch (FileAlreadyExistsException madeMeanwhile) {
                // another thread made it; its mode is checked below like any other
            }
        }
        if (!Files.getPosixFilePermissions(dir).equals(perms)) {
            Files.setPosixFilePermissions(dir, perms);
        }
        return dir;
    }

    /** Makes {@code dir}, which must not exist, 0700 from its first moment. */
    public static Path create(Path dir) throws IOException {
        return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(OWNER_ONLY)));
    }

    /** Tightens every directory directly in {@code dir} (one per container, pod or layer) to 0700. */
    public static void ensureEach(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.toList()) {
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    ensure(child);
                }
            }
        }
    }
}
