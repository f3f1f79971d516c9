package dev.berth.viewfs.syscall;

import dev.berth.viewfs.view.SysinfoView;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * struct sysinfo as x86-64 callers get it (linux/sysinfo.h, 112 bytes): {@code long uptime;
 * unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap; u16 procs;
 * u16 pad;} then (8-aligned, offset 88) {@code unsigned long totalhigh, freehigh; u32 mem_unit;} and
 * padding to 112. Sizes in units of mem_unit, which is 1 here.
 */
public final class SysinfoStruct {
    public static final int SIZE = 112;

    private SysinfoStruct() {
    }

    public static byte[] encode(SysinfoView v) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, v.uptimeSeconds());
        for (int i = 0; i < 3; i++) {
            b.putLong(8 + 8 * i, v.loads()[i]);
        }
        b.putLong(32, v.totalRam());
        b.putLong(40, v.freeRam());
        b.putLong(48, v.sharedRam());
        b.putLong(56, v.bufferRam());
        b.putLong(64, v.totalSwap());
        b.putLong(72, v.freeSwap());
        b.putShort(80, (short) v.procs());
        // totalhigh and freehigh (88, 96) stay 0: no high memory on 64-bit
        b.putInt(104, 1);
        return b.array();
    }
}
