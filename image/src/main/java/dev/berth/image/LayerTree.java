package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.RootfsTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An image's unpacked layers read as the overlay mount of them would show them, without mounting anything: an
 * entry comes from the topmost layer that has it, unless a layer above hides it with a whiteout (a 0/0
 * character device), with a file where the path needs a directory, or with an opaque directory on its way.
 * This lets a container request be checked against the image's files before its rootfs is made.
 */
public final class LayerTree implements RootfsTree {
    private static final int S_IFMT = 0170000;
    private final List<Path> layers;

    /** @param layerDirs the unpacked layers, bottom layer first, as {@link ImageStore#layerDirs} lists them */
    public LayerTree(List<Path> layerDirs) {
        this.layers = new ArrayList<>(layerDirs);
        Collections.reverse(this.layers);
    }

    @Override
    public Path entry(List<String> components) {
        if (components.isEmpty()) {
            return layers.isEmpty() ? null : layers.get(0);
        }
        for (Path layer : layers) {
            Path p = layer;
            for (int i = 0; i < components.size(); i++) {
                p = p.resolve(components.get(i));
                Kind kind = kind(p);
                boolean last = i == components.size() - 1;
                if (kind == Kind.MISSING) {
                    break;
                }
                if (kind == Kind.WHITEOUT || !last && kind != Kind.DIRECTORY) {
                    return null;
                }
                if (last) {
                    return p;
                }
                if (isOpaque(p)) {
                    return lookIn(p, components.subList(i + 1, components.size()));
                }
            }
        }
        return null;
    }

    /** The rest of a path below an opaque directory: only that layer counts. */
    private Path lookIn(Path dir, List<String> rest) {
        Path p = dir;
        for (int i = 0; i < rest.size(); i++) {
            p = p.resolve(rest.get(i));
            Kind kind = kind(p);
            if (kind == Kind.MISSING || kind == Kind.WHITEOUT || i < rest.size() - 1 && kind != Kind.DIRECTORY) {
                return null;
            }
        }
        return p;
    }

    @Override
    public String describe() {
        return "the image's layers";
    }

    private enum Kind { MISSING, WHITEOUT, DIRECTORY, OTHER }

    private static Kind kind(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) == Libc.S_IFCHR
                    && (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS) == 0L) {
                return Kind.WHITEOUT;
            }
            return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? Kind.DIRECTORY : Kind.OTHER;
        } catch (NoSuchFileException e) {
            return Kind.MISSING;
        } catch (IOException e) {
            throw BerthException.internal("read " + p + " in an image's layers: " + e, e);
        }
    }

    private static boolean isOpaque(Path dir) {
        byte[] value = new byte[2];
        long n = Libc.lib().lgetxattr(dir.toString(), LayerUnpacker.OPAQUE_XATTR, value, value.length);
        return n == 1 && value[0] == 'y';
    }
}
