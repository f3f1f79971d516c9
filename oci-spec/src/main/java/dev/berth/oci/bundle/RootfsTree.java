package dev.berth.oci.bundle;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's root file system as the host reads it: one directory (a mounted rootfs), or an image's layers
 * before anything is mounted, so that a request can be checked against the image's files (its /etc/passwd, a
 * working directory) before a container is made for it. {@link RootfsPaths} resolves paths in either.
 */
public interface RootfsTree {
    /**
     * The host path of the entry at {@code components} below the root (none of them "." or ".."; every one but
     * the last already resolved, so none of those is a symlink), or null when the tree has no such entry. The
     * entry itself may be a symlink: it is not followed.
     */
    Path entry(List<String> components);

    /** What the tree is, for messages: the rootfs directory or the image's layers. */
    String describe();

    /** The tree of one directory. */
    static RootfsTree directory(Path root) {
        return new RootfsTree() {
            @Override
            public Path entry(List<String> components) {
                Path p = RootfsPaths.join(root, components);
                return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
            }

            @Override
            public String describe() {
                return root.toString();
            }
        };
    }
}
