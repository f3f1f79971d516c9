package dev.berth.viewfs.view;

/**
 * A container's I/O on one block device since its cgroup was made: bytes and requests read,
 * written and discarded (v1 blkio.throttle.*: no discards, 0).
 */
public record DeviceIo(long readBytes, long writeBytes, long reads, long writes, long discardBytes, long discards) {
    public static final DeviceIo NONE = new DeviceIo(0, 0, 0, 0, 0, 0);

    public boolean isNone() {
        return readBytes == 0 && writeBytes == 0 && reads == 0 && writes == 0 && discardBytes == 0 && discards == 0;
    }
}
