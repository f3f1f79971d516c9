package dev.berth.daemon.api;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Who may use one of berthd's unix sockets: root and the members of one group ({@code socket_group},
 * default root). Whoever reaches such a socket can run anything as root, so the socket file is 0660
 * root:GROUP from the first moment it can be connected to, and each accepted connection's SO_PEERCRED is
 * checked again ({@link PeerCredentialsGate}): a later chmod of the file must not widen who gets in.
 */
public final class SocketAccess {
    public static final String DEFAULT_GROUP = "root";
    static final String MODE = "rw-rw----";

    private final String group;
    private final int gid;

    private SocketAccess(String group, int gid) {
        this.group = group;
        this.gid = gid;
    }

    /**
     * The group by name or number; INVALID_ARGUMENT when this host has no such group. Asked of getent(1), which
     * goes through NSS as getgrnam/getgrgid do: jnr-posix, which did this before, took 300-600 ms of berthd's
     * start to load (bench/readopt.sh), while getent takes a few.
     */
    public static SocketAccess forGroup(String group) {
        if (group == null || group.isBlank()) {
            throw BerthException.invalid("socket access: socket_group is empty");
        }
        String entry = getent(group);
        // name:password:gid:members
        String[] fields = entry.split(":", -1);
        if (fields.length < 3) {
            throw BerthException.internal("socket access: socket_group \"" + group + "\": getent answered '"
                    + entry + "'", null);
        }
        return new SocketAccess(fields[0], Integer.parseUnsignedInt(fields[2]));
    }

    private static String getent(String group) {
        try {
            Process p = new ProcessBuilder("getent", "group", "--", group).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            int status = p.waitFor();
            // 2: no such entry
            if (status == 2 || status == 0 && out.isEmpty()) {
                throw BerthException.invalid("socket access: socket_group \"" + group
                        + "\": no such group on this host");
            }
            if (status != 0) {
                throw BerthException.internal("socket access: socket_group \"" + group + "\": getent failed (exit "
                        + status + "): " + out, null);
            }
            return out.lines().findFirst().orElseThrow();
        } catch (IOException e) {
            throw BerthException.internal("socket access: socket_group \"" + group + "\": run getent: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BerthException.internal("socket access: socket_group \"" + group + "\": interrupted", e);
        }
    }

    public static SocketAccess rootOnly() {
        return forGroup(DEFAULT_GROUP);
    }

    public String group() {
        return group;
    }

    public int gid() {
        return gid;
    }

    /** Root, or a member of the socket's group as primary or supplementary group. */
    public boolean allows(int uid, int primaryGid, int[] supplementaryGids) {
        return uid == 0 || primaryGid == gid || Arrays.stream(supplementaryGids).anyMatch(g -> g == gid);
    }

    /**
     * The supplementary groups of process {@code pid} ("Groups:" of /proc/PID/status). SO_PEERCRED gives
     * only the primary group; the kernel's own check at connect time counted the supplementary ones too.
     * None when the process is gone or out of sight (pid 0: another pid namespace).
     */
    static int[] supplementaryGroups(int pid) {
        if (pid <= 0) {
            return new int[0];
        }
        try (Stream<String> lines = Files.lines(Path.of("/proc", Integer.toString(pid), "status"))) {
            return lines.filter(l -> l.startsWith("Groups:")).findFirst()
                    .map(l -> Arrays.stream(l.substring("Groups:".length()).trim().split("\\s+"))
                            .filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray())
                    .orElse(new int[0]);
        } catch (IOException | RuntimeException e) {
            return new int[0];
        }
    }

    /** What binds and starts listening on a unix socket at the given path. */
    public interface Binder<T> {
        T bind(Path path) throws IOException, InterruptedException;
    }

    /**
     * Binds {@code socket} with owner root, this group and mode 0660 and no moment in which it is open to
     * others: {@code binder} binds at a path in a fresh 0700 directory beside {@code socket} (reachable by
     * root alone), the mode and group are set there, and a rename then publishes the socket. Netty binds and
     * listens in one step, so there is no point between the two to chmod at; and the umask is per process,
     * shared with every other thread creating files at that moment.
     */
    public <T> T bind(Path socket, Binder<T> binder) throws IOException, InterruptedException {
        Path target = socket.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path staging = Files.createTempDirectory(target.getParent(), ".sock");
        try {
            Path staged = staging.resolve("s");
            T bound = binder.bind(staged);
            Files.getFileAttributeView(staged, PosixFileAttributeView.class).setGroup(
                    staged.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group));
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString(MODE));
            // Replaces the socket of a berthd that died: binding over it would fail with EADDRINUSE.
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return bound;
        } finally {
            deleteTree(staging);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "root and group " + group + " (gid " + gid + ")";
    }
}
