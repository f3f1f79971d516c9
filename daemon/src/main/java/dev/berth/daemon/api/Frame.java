package dev.berth.daemon.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** One frame of a log, attach or exec stream: 8-byte header [stream][0][0][0][length u32 BE], payload. */
public record Frame(int stream, byte[] payload) {
    public static final int HEADER = 8;
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int EXIT = 3;
    public static final int RESIZE = 4;

    static ByteBuf encode(ByteBufAllocator alloc, int stream, byte[] payload) {
        ByteBuf buf = alloc.buffer(HEADER + payload.length);
        buf.writeByte(stream).writeByte(0).writeByte(0).writeByte(0).writeInt(payload.length).writeBytes(payload);
        return buf;
    }

    static Frame decode(ByteBuf buf) {
        int stream = buf.readUnsignedByte();
        buf.skipBytes(3);
        byte[] payload = new byte[buf.readInt()];
        buf.readBytes(payload);
        return new Frame(stream, payload);
    }
}
