package dev.berth.cgroups.v2;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.Resources;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * v2 io controller weight, as runc 1.1 sets it: io.bfq.weight takes the blkio weight unchanged when
 * BFQ provides it (its range includes 10..1000), else io.weight takes it converted to 1..10000.
 */
public final class IoControllerV2 {
    private final Path dir;

    public IoControllerV2(Path dir) {
        this.dir = dir;
    }

    /** @param blkioWeight 10..1000, already checked by {@link Resources} */
    public void setBlkioWeight(long blkioWeight) {
        Path bfq = dir.resolve("io.bfq.weight");
        if (Files.exists(bfq)) {
            CgroupFiles.write(bfq, Long.toString(blkioWeight));
        } else {
            CgroupFiles.write(dir.resolve("io.weight"), "default " + Resources.blkioWeightToIoWeight(blkioWeight));
        }
    }
}
