package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * v1 blkio controller weight: blkio.bfq.weight when the BFQ scheduler provides it, else blkio.weight
 * (CFQ), the choice runc 1.1 makes. A kernel with neither (no weight-based scheduler) fails with
 * FAILED_PRECONDITION naming blkio.weight.
 */
public final class BlkioControllerV1 {
    private final Path dir;

    public BlkioControllerV1(Path dir) {
        this.dir = dir;
    }

    /** @param weight 10..1000, already checked by {@link dev.berth.cgroups.Resources} */
    public void setWeight(long weight) {
        Path bfq = dir.resolve("blkio.bfq.weight");
        CgroupFiles.write(Files.exists(bfq) ? bfq : dir.resolve("blkio.weight"), Long.toString(weight));
    }
}
