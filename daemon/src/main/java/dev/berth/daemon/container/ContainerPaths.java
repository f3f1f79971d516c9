package dev.berth.daemon.container;

import java.nio.file.Path;

/** Where one container's files live (docs/design.md, host layout). */
public record ContainerPaths(Path dir, Path shimDir) {
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

    public Path log() {
        return dir.resolve("ctr.log");
    }
}
