package dev.berth.oci.bundle;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside a container rootfs the way the container would see it: symlinks are
 * followed, but an absolute target and any {@code ..} are taken relative to, and clamped at, the
 * rootfs (the semantics of Go's securejoin), so an image cannot make the host read its own files.
 */
public final class RootfsPaths {
    private static final int MAX_SYMLINKS = 255;

    private RootfsPaths() {
    }

    /**
     * The host path of {@code containerPath} in {@code rootfs}; always {@code rootfs} or below it.
     * Missing components are kept as they are (the result need not exist). Resolution races with
     * concurrent changes to the rootfs, so use it on rootfs trees no container is running in, or open
     * the result with NOFOLLOW.
     */
    public static Path resolve(Path rootfs, String containerPath) {
        return join(rootfs, components(RootfsTree.directory(rootfs), containerPath));
    }

    /**
     * The host path of the entry {@code containerPath} names in {@code tree}, its symlinks resolved as in
     * {@link #resolve(Path, String)}; null when the tree has no such entry.
     */
    public static Path locate(RootfsTree tree, String containerPath) {
        return tree.entry(components(tree, containerPath));
    }

    /**
     * The components of {@code containerPath} in {@code tree} once every symlink on the way is resolved (the
     * last one too), clamped at the root; components past a missing entry are kept as they are.
     */
    public static List<String> components(RootfsTree tree, String containerPath) {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, containerPath);
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            done.add(c);
            Path candidate = tree.entry(done);
            if (candidate == null || !Files.isSymbolicLink(candidate)) {
                continue;
            }
            done.remove(done.size() - 1);
            if (++links > MAX_SYMLINKS) {
                throw BerthException.invalid("resolve " + containerPath + " in " + tree.describe()
                        + ": too many symlinks");
            }
            String target;
            try {
                target = Files.readSymbolicLink(candidate).toString();
            } catch (IOException e) {
                throw BerthException.internal("resolve " + containerPath + " in " + tree.describe()
                        + ": read link " + candidate + ": " + e, e);
            }
            if (target.startsWith("/")) {
                done.clear();
            }
            push(todo, target);
        }
        return done;
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    static Path join(Path rootfs, List<String> parts) {
        Path p = rootfs;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
