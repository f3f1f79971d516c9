package dev.berth.viewfs.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads the small kernel-generated files (procfs, cgroupfs) that every view open touches. A file
 * channel into a per-thread direct buffer costs ~3 µs a file here where Files.readString, which
 * berth-cgroups' CgroupFiles uses, costs 5-9 µs: it sizes, allocates and decodes per call, and an open
 * of a meminfo view reads several files. Text is decoded as ISO-8859-1 so that the bytes the kernel
 * wrote come back out unchanged when a view is encoded the same way.
 */
public final class SmallFiles {
    /** procfs and cgroupfs files the views read are at most a few pages (cpuinfo on big hosts grows). */
    private static final int INITIAL = 16 * 1024;
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(INITIAL));

    private SmallFiles() {
    }

    /** The whole file, or null when it cannot be read (gone: processes and cgroups vanish between reads). */
    public static String read(Path file) {
        ByteBuffer buf = BUFFER.get();
        buf.clear();
        try (FileChannel ch = FileChannel.open(file)) {
            while (true) {
                if (!buf.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocateDirect(buf.capacity() * 2);
                    buf.flip();
                    bigger.put(buf);
                    BUFFER.set(bigger);
                    buf = bigger;
                }
                if (ch.read(buf) < 0) {
                    break;
                }
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        buf.flip();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
