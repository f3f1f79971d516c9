package dev.berth.cgroups;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ResourcesTest {
    @Test
    void ofCpus() {
        Resources r = Resources.ofCpus(1.5);
        assertEquals(150_000L, r.cpuQuota());
        assertEquals(100_000L, r.cpuPeriod());
        assertNull(r.memoryLimit());
        assertEquals(1000L, Resources.ofCpus(0.001).cpuQuota(), "kernel minimum quota is 1 ms");
        assertThrows(BerthException.class, () -> Resources.ofCpus(0));
        assertThrows(BerthException.class, () -> Resources.ofCpus(Double.NaN));
    }

    @Test
    void sharesWeightConversionMatchesRuncAndKubernetes() {
        assertEquals(1, Resources.sharesToWeight(2));
        assertEquals(10_000, Resources.sharesToWeight(262_144));
        assertEquals(39, Resources.sharesToWeight(1024));
        assertEquals(20, Resources.sharesToWeight(512));
        assertEquals(2, Resources.weightToShares(1));
        assertEquals(262_144, Resources.weightToShares(10_000));
        assertEquals(998, Resources.weightToShares(39));
        for (long w = 1; w <= 10_000; w += 37) {
            long back = Resources.sharesToWeight(Resources.weightToShares(w));
            assertTrue(back == w || back == w - 1, "integer division loses at most 1: weight " + w + " -> " + back);
        }
    }

    @Test
    void validation() {
        assertThrows(BerthException.class, () -> Resources.ofShares(1));
        assertThrows(BerthException.class, () -> Resources.ofMemory(0));
        assertThrows(BerthException.class, () -> Resources.ofMemory(100, 50));
        assertThrows(BerthException.class, () -> new Resources(null, null, null, 500L, null, null, null, null));
        assertThrows(BerthException.class, () -> new Resources(null, null, null, null, 999L, null, null, null));
        assertThrows(BerthException.class, () -> Resources.ofCpuset("0;rm", null));
        assertEquals(-1L, Resources.ofMemory(-1, -1).memorySwap());
        BerthException low = assertThrows(BerthException.class, () -> Resources.ofBlkioWeight(9));
        assertTrue(low.getMessage().contains("blkio weight must be in 10..1000, got 9"), low.getMessage());
        assertThrows(BerthException.class, () -> Resources.ofBlkioWeight(1001));
    }

    @Test
    void blkioToIoWeightMatchesRunc() {
        assertEquals(1, Resources.blkioWeightToIoWeight(10));
        assertEquals(4950, Resources.blkioWeightToIoWeight(500));
        assertEquals(10_000, Resources.blkioWeightToIoWeight(1000));
    }

    @Test
    void andOverlaysNonNull() {
        Resources r = Resources.ofMemory(1 << 20).and(Resources.ofCpus(0.5)).and(Resources.ofPids(10));
        assertEquals(1L << 20, r.memoryLimit());
        assertEquals(50_000L, r.cpuQuota());
        assertEquals(10L, r.pidsLimit());
        assertNull(r.blkioWeight());
        assertEquals(200L, r.and(Resources.ofBlkioWeight(200)).blkioWeight());
        assertEquals(10L, r.and(Resources.ofBlkioWeight(200)).pidsLimit());
    }

    @Test
    void swapForV2IsTotalMinusMemory() {
        assertEquals(100L, Resources.swapMaxForV2(200L, 300L));
        assertEquals(-1L, Resources.swapMaxForV2(200L, -1L));
        assertEquals(-1L, Resources.swapMaxForV2(-1L, null), "memory unlimited lifts swap too");
        assertNull(Resources.swapMaxForV2(200L, null));
        assertThrows(BerthException.class, () -> Resources.swapMaxForV2(null, 300L));
    }
}
