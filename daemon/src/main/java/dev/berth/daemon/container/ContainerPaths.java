package dev.berth.daemon.container;

import java.nio.file.Path;

/** Where one container's files live (docs/design.md, host layout). */
public record ContainerPaths(Path dir, Path shimDir) {
    /**
     * The shim's directory is named by the id's first 128 bits, not all 256: its sockets must fit the
     * 107 bytes of a unix socket path under run roots longer than /run/berth, and random ids do not
     * collide in 128 bits.
     */
    public static final int SHIM_KEY_LENGTH = 32;

    /** RUN_ROOT/shims: the shims' state directories, one per container. */
    public static Path shimsDir(Path runRoot) {
        return runRoot.resolve("shims");
    }

    public static String shimKey(String id) {
        return id.substring(0, SHIM_KEY_LENGTH);
    }

    public Path bundle() {
        return dir.resolve("bundle");
    }

    public Path rootfs() {
        return bundle().resolve("rootfs");
    }

    public Path upper() {
        return dir.resolve("upper");
    }

    public Path work() {
        return dir.resolve("work");
    }

    /** The overlay of image volume {@code index}: {@code merged/} is bound into the container read-only. */
    public Path imageVolume(int index) {
        return dir.resolve("imagevolumes").resolve(Integer.toString(index));
    }

    /** The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, bound over the image's (REST containers). */
    public Path hosts() {
        return dir.resolve("hosts");
    }

    public Path hostname() {
        return dir.resolve("hostname");
    }

    public Path resolvConf() {
        return dir.resolve("resolv.conf");
    }

    public Path log() {
        return dir.resolve("ctr.log");
    }
}
