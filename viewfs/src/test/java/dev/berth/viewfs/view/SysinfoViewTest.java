package dev.berth.viewfs.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** sysinfo's figures are the meminfo view's, in bytes, with the uptime and load views' time and averages. */
class SysinfoViewTest {
    private static final String HOST = "MemTotal:       24000000 kB\nMemFree:        1000 kB\nSwapTotal:       1048576 kB\n";

    private static MemorySnapshot memory(long limit, long usage, long swapLimit, long swapUsage, long shmem) {
        return new MemorySnapshot(limit, usage, swapLimit, swapUsage, 0, 0, 0, 0, 0, 0, 0, shmem, 0, 0, 0, 0, 0);
    }

    @Test
    void aLimitedContainerGetsItsLimitUsageAndSwap() {
        SysinfoView v = SysinfoView.of(HOST, memory(256L << 20, 56L << 20, 64L << 20, 4L << 20, 8192),
                1_500_000_000L, new long[] {2048, 1024, 0}, 12);
        assertEquals(256L << 20, v.totalRam());
        assertEquals(200L << 20, v.freeRam());
        assertEquals(8192, v.sharedRam());
        assertEquals(0, v.bufferRam());
        assertEquals(64L << 20, v.totalSwap());
        assertEquals(60L << 20, v.freeSwap());
        assertEquals(2, v.uptimeSeconds(), "rounded up as the kernel does");
        assertArrayEquals(new long[] {1L << 16, 1L << 15, 0}, v.loads(), "11-bit averages in 16-bit fixed point");
        assertEquals(12, v.procs());
    }

    @Test
    void anUnlimitedContainerGetsTheHostsTotalAndProcsFitSixteenBits() {
        SysinfoView v = SysinfoView.of(HOST, memory(-1, 1L << 30, -2, -2, 0), 0, new long[] {0, 0, 0}, 70_000);
        assertEquals(24_000_000L * 1024, v.totalRam());
        assertEquals(24_000_000L * 1024 - (1L << 30), v.freeRam());
        assertEquals(1_048_576L * 1024, v.totalSwap(), "swap not accounted: the host's");
        assertEquals(0, v.uptimeSeconds());
        assertEquals(0xffff, v.procs());
    }
}
