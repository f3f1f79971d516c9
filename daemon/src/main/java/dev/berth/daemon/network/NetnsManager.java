package dev.berth.daemon.network;

import dev.berth.image.OverlayRootfs;
import dev.berth.image.PrivateDirs;
import dev.berth.oci.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Pinned network namespaces for pods: each is a new netns bind-mounted on a file {@code <dir>/<name>},
 * so it lives without a process in it until {@link #remove} unmounts it.
 *
 * <p>The directory is made a bind mount of itself with shared propagation, as iproute2 does for
 * /run/netns: a mount namespace copied from the host later (a runc container's, a systemd unit's with
 * PrivateTmp) gets a copy of every pinned netns, and only with shared propagation does our unmount
 * reach those copies too; on a private mount each copy would keep its netns alive after the pod is gone.
 */
public final class NetnsManager {
    private static final System.Logger LOG = System.getLogger(NetnsManager.class.getName());
    private static final long TIMEOUT_SECONDS = 30;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private final Path dir;
    private boolean dirReady;

    /** @param dir where the namespace files live, e.g. /run/berth/netns; created on first use */
    public NetnsManager(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /** Creates and pins a new network namespace at {@code <dir>/<name>}; it has only a {@code lo}, down. */
    public Path create(String name) {
        String op = "create netns " + name;
        if (name == null || !NAME.matcher(name).matches()) {
            throw BerthException.invalid(op + ": name must be letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        prepareDir(op);
        Path file = dir.resolve(name);
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            throw new BerthException(BerthException.Kind.ALREADY_EXISTS, op + ": " + file + " already exists", e);
        } catch (IOException e) {
            throw BerthException.internal(op + ": create " + file + ": " + e, e);
        }
        try {
            run(op, "unshare", "--net=" + file, "true");
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
        LOG.log(Level.DEBUG, "netns {0}: created at {1}", name, file);
        return file;
    }

    /**
     * Unmounts and deletes a namespace file made by {@link #create}. What is already unmounted or gone is
     * fine, so a retry after a crash finishes the job.
     */
    public void remove(Path netns) {
        Path file = netns.toAbsolutePath().normalize();
        String op = "remove netns " + file;
        if (!dir.equals(file.getParent())) {
            throw BerthException.invalid(op + ": not a namespace file of " + dir);
        }
        try {
            if (OverlayRootfs.isMounted(file)) {
                OverlayRootfs.unmount(file);
            }
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw BerthException.internal(op + ": " + e, e);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), op + ": " + e.getMessage(), e);
        }
        LOG.log(Level.DEBUG, "netns {0}: removed", file);
    }

    /** The namespace files now in the directory, sorted, for recovery to match against its pods. */
    public List<Path> list() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw BerthException.internal("list netns in " + dir + ": " + e, e);
        }
    }

    private synchronized void prepareDir(String op) {
        if (dirReady) {
            return;
        }
        try {
            PrivateDirs.ensure(dir);
        } catch (IOException e) {
            throw BerthException.internal(op + ": create " + dir + ": " + e, e);
        }
        if (!OverlayRootfs.isMounted(dir)) {
            run(op, "mount", "--bind", dir.toString(), dir.toString());
        }
        run(op, "mount", "--make-shared", dir.toString());
        dirReady = true;
    }

    private static void run(String op, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": " + cmd[0] + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw BerthException.internal(op + ": " + String.join(" ", cmd) + " failed: " + out, null);
            }
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": cannot run " + cmd[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "netns {0}: could not delete after a failed create: {1}", file, e.getMessage());
        }
    }
}
