package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.cgroups.CgroupLayout;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * v1 blkio controller weight: blkio.bfq.weight when the BFQ scheduler provides it, else blkio.weight
 * (CFQ), the choice runc 1.1 makes. A kernel with neither (no weight-based scheduler) fails with
 * FAILED_PRECONDITION naming blkio.weight; {@link #available} tells beforehand.
 */
public final class BlkioControllerV1 {
    private final Path dir;

    public BlkioControllerV1(Path dir) {
        this.dir = dir;
    }

    /**
     * Whether this host weights block I/O: CFQ's blkio.weight sits on the hierarchy's root; BFQ's
     * blkio.bfq.weight only below it, and only while the bfq scheduler is registered, which every
     * block device's scheduler list then names (CFQ left the kernel in 5.0, so on newer kernels bfq is
     * the only weight-based scheduler).
     */
    public static boolean available(CgroupLayout layout) {
        return available(layout.v1Mounts().get("blkio"), Path.of("/sys/block"));
    }

    static boolean available(Path blkioMount, Path sysBlock) {
        if (blkioMount == null) {
            return false;
        }
        if (Files.exists(blkioMount.resolve("blkio.weight"))) {
            return true;
        }
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(sysBlock)) {
            for (Path device : devices) {
                Path scheduler = device.resolve("queue/scheduler");
                if (Files.isReadable(scheduler) && Files.readString(scheduler).matches("(?s).*\\bbfq\\b.*")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** @param weight 10..1000, already checked by {@link dev.berth.cgroups.Resources} */
    public void setWeight(long weight) {
        Path bfq = dir.resolve("blkio.bfq.weight");
        CgroupFiles.write(Files.exists(bfq) ? bfq : dir.resolve("blkio.weight"), Long.toString(weight));
    }
}
