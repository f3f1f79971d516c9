package dev.berth.daemon.cri;

import dev.berth.cri.v1.FilesystemIdentifier;
import dev.berth.cri.v1.FilesystemUsage;
import dev.berth.cri.v1.ImageFsInfoRequest;
import dev.berth.cri.v1.ImageFsInfoResponse;
import dev.berth.cri.v1.UInt64Value;
import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;

/**
 * ImageService.ImageFsInfo: what the image store itself uses, as containerd reports its snapshotter
 * directory. kubelet's image GC compares it with the capacity of the filesystem holding that directory.
 */
final class ImageFsInfoRpc {
    private final Path storeRoot;
    private final Clock clock;

    ImageFsInfoRpc(Path storeRoot, Clock clock) {
        this.storeRoot = storeRoot;
        this.clock = clock;
    }

    ImageFsInfoResponse call(ImageFsInfoRequest request) {
        Usage usage = walk(storeRoot);
        Instant now = clock.instant();
        return ImageFsInfoResponse.newBuilder()
                .addImageFilesystems(FilesystemUsage.newBuilder()
                        .setTimestamp(now.getEpochSecond() * 1_000_000_000L + now.getNano())
                        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(storeRoot.toString()))
                        .setUsedBytes(UInt64Value.newBuilder().setValue(usage.bytes))
                        .setInodesUsed(UInt64Value.newBuilder().setValue(usage.inodes)))
                .build();
    }

    private static final class Usage {
        long bytes;
        long inodes;
    }

    private static Usage walk(Path root) {
        Usage usage = new Usage();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    usage.inodes++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    usage.inodes++;
                    if (attrs.isRegularFile()) {
                        usage.bytes += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                // Pulls and removals run meanwhile: a file gone under the walk is simply not counted.
                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw BerthException.internal("image filesystem usage of " + root + ": " + e.getMessage(), e);
        }
        return usage;
    }
}
