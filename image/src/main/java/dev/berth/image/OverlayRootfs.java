package dev.berth.image;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts a container rootfs as overlayfs over image layers, with mount(2)/umount2(2) through libc.
 *
 * <p>Lower dirs are used as given: {@link ImageStore#layerDirs} hands out its short {@code l/} link
 * paths so the option string stays under the kernel's one-page limit with many layers.
 */
public final class OverlayRootfs {
    /** mount(2) copies at most one page of options. */
    static final int MAX_OPTIONS = 4095;

    private OverlayRootfs() {}

    /** Mounts overlay on {@code target}; {@code lowerDirsBottomFirst} is the image's layer order. */
    public static void mount(List<Path> lowerDirsBottomFirst, Path upper, Path work, Path target) {
        String op = "mount overlay rootfs " + target;
        String options = options(lowerDirsBottomFirst, upper, work, op);
        int rc = Libc.lib().mount("overlay", target.toString(), "overlay", 0L, options);
        if (rc != 0) {
            int errno = Libc.errno();
            throw new BerthException(BerthException.Kind.INTERNAL, op + ": mount(2): " + Libc.errnoText(errno)
                    + " (options " + options + ")");
        }
    }

    static String options(List<Path> lowerDirsBottomFirst, Path upper, Path work, String op) {
        if (lowerDirsBottomFirst.isEmpty()) {
            throw BerthException.invalid(op + ": no lower layers");
        }
        StringBuilder sb = new StringBuilder("lowerdir=");
        // overlayfs wants the topmost lower dir first.
        for (int i = lowerDirsBottomFirst.size() - 1; i >= 0; i--) {
            sb.append(checked(lowerDirsBottomFirst.get(i), op));
            if (i > 0) sb.append(':');
        }
        sb.append(",upperdir=").append(checked(upper, op)).append(",workdir=").append(checked(work, op));
        if (sb.length() > MAX_OPTIONS) {
            throw BerthException.invalid(op + ": overlay options are " + sb.length() + " bytes, over the kernel's "
                    + MAX_OPTIONS + " (too many layers or long paths: use the store's short layer links)");
        }
        return sb.toString();
    }

    private static String checked(Path p, String op) {
        String s = p.toAbsolutePath().toString();
        if (s.indexOf(':') >= 0 || s.indexOf(',') >= 0) {
            throw BerthException.invalid(op + ": path '" + s + "' contains ':' or ',', which overlay options cannot carry");
        }
        return s;
    }

    /** Unmounts {@code target}; a target that is not mounted (or gone) is fine. */
    public static void unmount(Path target) {
        int rc = Libc.lib().umount2(target.toString(), 0);
        if (rc != 0) {
            int errno = Libc.errno();
            if (errno == Libc.EINVAL || errno == Libc.ENOENT) {
                return;
            }
            throw new BerthException(errno == Libc.EBUSY ? BerthException.Kind.FAILED_PRECONDITION : BerthException.Kind.INTERNAL,
                    "unmount rootfs " + target + ": umount2(2): " + Libc.errnoText(errno));
        }
    }

    /** Whether {@code target} is a mount point, per /proc/self/mountinfo. */
    public static boolean isMounted(Path target) {
        Path want;
        try {
            want = target.toRealPath();
        } catch (IOException e) {
            return false;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(want.toString())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw BerthException.internal("check mount " + target + ": read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) return false;
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') return false;
        }
        return true;
    }
}
