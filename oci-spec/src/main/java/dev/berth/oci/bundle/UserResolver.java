package dev.berth.oci.bundle;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.runtime.Process;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a container user ("uid", "uid:gid", "name", "name:group", "uid:group", "name:gid") the way
 * runc and Docker do, against the rootfs's own /etc/passwd and /etc/group, read through
 * {@link RootfsPaths} so that symlinks never lead out of the rootfs (a mounted one or an image's layers).
 *
 * <p>Rules (runc's user.GetExecUser): a name must exist in passwd; a numeric uid need not, and then
 * its gid is 0. An explicit group must exist in /etc/group unless numeric. Supplementary groups
 * (the groups of /etc/group listing the user's name) are added only when no group is given.
 */
public final class UserResolver {
    private static final long MAX_ID = Integer.MAX_VALUE;
    private static final long MAX_FILE = 16L << 20;

    private final RootfsTree tree;

    /** @param rootfs the rootfs on the host; null resolves numeric ids only, as for an image without /etc. */
    public UserResolver(Path rootfs) {
        this.tree = rootfs == null ? null : RootfsTree.directory(rootfs);
    }

    private UserResolver(RootfsTree tree) {
        this.tree = tree;
    }

    /** Resolves against {@code tree}'s /etc/passwd and /etc/group, such as an image's layers not yet mounted. */
    public static UserResolver in(RootfsTree tree) {
        return new UserResolver(tree);
    }

    /** A resolved user; name and home are null for a uid without a passwd entry. */
    public record ResolvedUser(long uid, long gid, List<Long> additionalGids, String name, String home) {
        public Process.User toSpecUser() {
            return new Process.User(uid, gid, null, additionalGids.isEmpty() ? null : additionalGids);
        }
    }

    private record PasswdEntry(String name, long uid, long gid, String home) {
    }

    private record GroupEntry(String name, long gid, List<String> members) {
    }

    /** Resolves {@code user}; null or empty means root. Unknown names are INVALID_ARGUMENT. */
    public ResolvedUser resolve(String user) {
        String spec = user == null ? "" : user.trim();
        int colon = spec.indexOf(':');
        String userArg = colon < 0 ? spec : spec.substring(0, colon);
        String groupArg = colon < 0 ? "" : spec.substring(colon + 1);
        if (colon >= 0 && (userArg.isEmpty() || groupArg.isEmpty())) {
            throw BerthException.invalid("resolve user \"" + user + "\": expected user or user:group");
        }

        Long uidArg = userArg.isEmpty() ? Long.valueOf(0) : parseId(userArg, user);
        PasswdEntry pw = null;
        for (PasswdEntry e : passwd()) {
            if (uidArg != null ? e.uid == uidArg : e.name.equals(userArg)) {
                pw = e;
                break;
            }
        }
        if (pw == null && uidArg == null) {
            throw BerthException.invalid("resolve user \"" + user + "\": no user \"" + userArg
                    + "\" in the image's /etc/passwd");
        }
        long uid = pw != null ? pw.uid : uidArg;
        long gid = pw != null ? pw.gid : 0;
        String name = pw != null ? pw.name : null;

        List<Long> additional = new ArrayList<>();
        if (!groupArg.isEmpty()) {
            Long gidArg = parseId(groupArg, user);
            GroupEntry found = null;
            for (GroupEntry g : groups()) {
                if (gidArg != null ? g.gid == gidArg : g.name.equals(groupArg)) {
                    found = g;
                    break;
                }
            }
            if (found == null && gidArg == null) {
                throw BerthException.invalid("resolve user \"" + user + "\": no group \"" + groupArg
                        + "\" in the image's /etc/group");
            }
            gid = found != null ? found.gid : gidArg;
        } else if (name != null) {
            for (GroupEntry g : groups()) {
                if (g.members.contains(name) && !additional.contains(g.gid)) {
                    additional.add(g.gid);
                }
            }
        }
        return new ResolvedUser(uid, gid, List.copyOf(additional), name, pw != null ? pw.home : null);
    }

    /** The id when {@code s} is numeric, null when it is a name; out-of-range ids are rejected. */
    private static Long parseId(String s, String user) {
        if (!s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            v = Long.MAX_VALUE;
        }
        if (v > MAX_ID) {
            throw BerthException.invalid("resolve user \"" + user + "\": id " + s + " is out of range 0-" + MAX_ID);
        }
        return v;
    }

    private List<PasswdEntry> passwd() {
        List<PasswdEntry> out = new ArrayList<>();
        for (String[] f : records("/etc/passwd")) {
            // name:password:uid:gid:gecos:home:shell
            Long uid = f.length > 2 ? num(f[2]) : null;
            Long gid = f.length > 3 ? num(f[3]) : null;
            if (uid != null && gid != null) {
                out.add(new PasswdEntry(f[0], uid, gid, f.length > 5 ? f[5] : null));
            }
        }
        return out;
    }

    private List<GroupEntry> groups() {
        List<GroupEntry> out = new ArrayList<>();
        for (String[] f : records("/etc/group")) {
            // name:password:gid:member,member
            Long gid = f.length > 2 ? num(f[2]) : null;
            if (gid != null) {
                List<String> members = f.length > 3 && !f[3].isEmpty() ? List.of(f[3].split(",")) : List.of();
                out.add(new GroupEntry(f[0], gid, members));
            }
        }
        return out;
    }

    private static Long num(String s) {
        try {
            long v = Long.parseLong(s.trim());
            return v < 0 || v > MAX_ID ? null : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The colon-separated records of a file in the rootfs; none when it does not exist. */
    private List<String[]> records(String containerPath) {
        List<String[]> out = new ArrayList<>();
        if (tree == null) {
            return out;
        }
        Path file = RootfsPaths.locate(tree, containerPath);
        String text;
        try {
            if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return out;
            }
            // NOFOLLOW: the last component was checked not to be a symlink; keep it that way.
            try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                byte[] data = in.readNBytes((int) MAX_FILE + 1);
                if (data.length > MAX_FILE) {
                    throw BerthException.invalid("read " + containerPath + " in " + tree.describe() + ": larger than " + MAX_FILE + " bytes");
                }
                text = new String(data, StandardCharsets.UTF_8);
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw BerthException.internal("read " + containerPath + " in " + tree.describe() + ": " + e, e);
        }
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            out.add(l.split(":", -1));
        }
        return out;
    }
}
