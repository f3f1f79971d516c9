package dev.berth.oci.bundle;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** A host device node's type ("c" or "b"), numbers and permission bits, read with lstat. */
record DeviceNode(String type, long major, long minor, int mode) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    static DeviceNode of(Path hostPath) {
        try {
            int mode = (Integer) Files.getAttribute(hostPath, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            long rdev = (Long) Files.getAttribute(hostPath, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            String type = switch (mode & S_IFMT) {
                case S_IFCHR -> "c";
                case S_IFBLK -> "b";
                default -> throw BerthException.invalid("device " + hostPath + ": not a character or block device");
            };
            // glibc's gnu_dev_major/minor encoding of dev_t.
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            return new DeviceNode(type, major, minor & 0xffffffffL, mode & 07777);
        } catch (IOException | UnsupportedOperationException e) {
            throw BerthException.invalid("device " + hostPath + ": " + e.getMessage());
        }
    }
}
