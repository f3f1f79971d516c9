package dev.berth.cgroups;

import java.nio.file.Path;

/**
 * The pids controller, whose files are the same on v1 and v2 (pids.current, pids.max with "max");
 * the per-version subclasses exist so each version's controller set is complete and can diverge.
 */
public abstract class PidsController {
    protected final Path dir;

    protected PidsController(Path dir) {
        this.dir = dir;
    }

    public long current() {
        return CgroupFiles.readLong(dir.resolve("pids.current"));
    }

    /** -1 unlimited. */
    public long max() {
        return CgroupFiles.readLong(dir.resolve("pids.max"));
    }

    /** Zero or negative is unlimited, as in the OCI spec. */
    public void setMax(long limit) {
        CgroupFiles.write(dir.resolve("pids.max"), limit > 0 ? Long.toString(limit) : "max");
    }
}
