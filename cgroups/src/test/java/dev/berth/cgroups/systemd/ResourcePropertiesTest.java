package dev.berth.cgroups.systemd;

import dev.berth.cgroups.Resources;
import dev.berth.oci.BerthException;
import org.freedesktop.dbus.types.UInt64;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ResourcePropertiesTest {
    static final ResourceProperties V1_252 = new ResourceProperties(252, false);
    static final ResourceProperties V2_252 = new ResourceProperties(252, true);
    static final Resources ALL = new Resources(256L << 20, 512L << 20, 512L, 50_000L, 100_000L, "0-1", "0", 32L);

    /** name to the value systemd receives, in order. */
    static Map<String, Object> values(List<UnitProperty> props) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (UnitProperty p : props) {
            Object v = p.getValue().getValue();
            out.put(p.getName(), v instanceof UInt64 u ? u.value() : v);
        }
        return out;
    }

    @Test
    void legacyLayoutGetsV1Properties() {
        Map<String, Object> v = values(V1_252.of(ALL));
        assertEquals(List.of("MemoryLimit", "CPUShares", "CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec", "TasksMax"),
                List.copyOf(v.keySet()), "no swap, weight or cpuset property on v1: the files carry those");
        assertEquals(BigInteger.valueOf(256L << 20), v.get("MemoryLimit"));
        assertEquals(BigInteger.valueOf(512), v.get("CPUShares"));
        assertEquals(BigInteger.valueOf(100_000), v.get("CPUQuotaPeriodUSec"));
        assertEquals(BigInteger.valueOf(500_000), v.get("CPUQuotaPerSecUSec"));
        assertEquals(BigInteger.valueOf(32), v.get("TasksMax"));
    }

    @Test
    void unifiedLayoutGetsV2Properties() {
        Map<String, Object> v = values(V2_252.of(ALL));
        assertEquals(List.of("MemoryMax", "MemorySwapMax", "CPUWeight", "CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec",
                "AllowedCPUs", "AllowedMemoryNodes", "TasksMax"), List.copyOf(v.keySet()));
        assertEquals(BigInteger.valueOf(256L << 20), v.get("MemoryMax"));
        assertEquals(BigInteger.valueOf(256L << 20), v.get("MemorySwapMax"), "swap alone = memory+swap - memory");
        assertEquals(BigInteger.valueOf(Resources.sharesToWeight(512)), v.get("CPUWeight"));
        assertArrayEquals(new byte[] {0b11}, (byte[]) v.get("AllowedCPUs"));
        assertArrayEquals(new byte[] {0b1}, (byte[]) v.get("AllowedMemoryNodes"));
    }

    @Test
    void olderSystemdGetsFewerProperties() {
        assertFalse(values(new ResourceProperties(241, false).of(ALL)).containsKey("CPUQuotaPeriodUSec"));
        Map<String, Object> v243 = values(new ResourceProperties(243, true).of(ALL));
        assertTrue(v243.containsKey("CPUQuotaPeriodUSec"));
        assertFalse(v243.containsKey("AllowedCPUs"));
    }

    @Test
    void unlimitedIsInfinity() {
        Resources r = new Resources(-1L, null, null, -1L, null, null, null, 0L);
        Map<String, Object> v1 = values(V1_252.of(r));
        assertEquals(UnitProperty.INFINITY, v1.get("MemoryLimit"));
        assertEquals(UnitProperty.INFINITY, v1.get("CPUQuotaPerSecUSec"));
        assertEquals(UnitProperty.INFINITY, v1.get("TasksMax"));
        // v2: memory unlimited with swap untouched lifts swap too (runc's rule)
        assertEquals(UnitProperty.INFINITY, values(V2_252.of(r)).get("MemorySwapMax"));
    }

    @Test
    void nullFieldsGiveNoProperty() {
        assertTrue(V1_252.of(Resources.none()).isEmpty());
        assertTrue(V2_252.of(Resources.none()).isEmpty());
        assertEquals(List.of("TasksMax"), List.copyOf(values(V1_252.of(Resources.ofPids(10))).keySet()));
    }

    @Test
    void blkioWeightIsBlockIOWeightOnV1AndIOWeightOnV2() {
        Resources r = Resources.ofBlkioWeight(300).and(Resources.ofShares(512));
        Map<String, Object> v1 = values(V1_252.of(r));
        assertEquals(List.of("CPUShares", "BlockIOWeight"), List.copyOf(v1.keySet()));
        assertEquals(BigInteger.valueOf(300), v1.get("BlockIOWeight"));
        Map<String, Object> v2 = values(V2_252.of(r));
        assertEquals(List.of("CPUWeight", "IOWeight"), List.copyOf(v2.keySet()));
        assertEquals(BigInteger.valueOf(2930), v2.get("IOWeight"), "runc's conversion: 1 + (300 - 10) * 9999 / 990");
        assertFalse(values(V1_252.of(ALL)).containsKey("BlockIOWeight"), "no weight asked, none set");
    }

    @Test
    void badSwapOnV2ChangesNothing() {
        BerthException e = assertThrows(BerthException.class,
                () -> V2_252.of(new Resources(null, 1L << 30, null, null, null, null, null, null)));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void quotaRoundsUpToSystemdsOnePercent() {
        assertEquals(1_500_000, ResourceProperties.quotaPerSecond(150_000, 100_000L));
        assertEquals(500_000, ResourceProperties.quotaPerSecond(50_000, null), "default period 100 ms");
        // 0.333 CPU: 333_000 us/s is not a whole percent, systemd would round it down to 33%
        assertEquals(340_000, ResourceProperties.quotaPerSecond(33_300, 100_000L));
        assertEquals(10_000, ResourceProperties.quotaPerSecond(1_000, 1_000_000L));
        assertEquals(-1, ResourceProperties.quotaPerSecond(-1, 100_000L));
    }

    @Test
    void cpuMasks() {
        assertArrayEquals(new byte[] {0}, ResourceProperties.cpuMask(""));
        assertArrayEquals(new byte[] {1}, ResourceProperties.cpuMask("0"));
        assertArrayEquals(new byte[] {(byte) 0b1010_0110}, ResourceProperties.cpuMask("1-2,5,7"));
        assertArrayEquals(new byte[] {0, 0b11}, ResourceProperties.cpuMask("8-9"));
        assertArrayEquals(new byte[] {(byte) 0xff, 1}, ResourceProperties.cpuMask("0-8"));
        for (String bad : new String[] {"3-1", "1-", "-1", "1-2-3", "99999999999", "0-9000"}) {
            BerthException e = assertThrows(BerthException.class, () -> ResourceProperties.cpuMask(bad), bad);
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        }
    }

    @Test
    void dbusSignatures() {
        assertEquals("t", UnitProperty.uint64("TasksMax", 5).getValue().getSig());
        assertEquals("au", UnitProperty.pids("PIDs", List.of(42L)).getValue().getSig());
        assertEquals("ay", UnitProperty.bytes("AllowedCPUs", new byte[] {1}).getValue().getSig());
        assertEquals("as", UnitProperty.strings("Wants", List.of("a.slice")).getValue().getSig());
        assertEquals("b", UnitProperty.bool("Delegate", true).getValue().getSig());
        assertEquals("s", UnitProperty.string("Slice", "system.slice").getValue().getSig());
    }

    @Test
    void describesForLogs() {
        assertEquals("MemoryLimit=268435456, TasksMax=18446744073709551615",
                UnitProperty.describe(V1_252.of(new Resources(256L << 20, null, null, null, null, null, null, -1L))));
        assertEquals("AllowedCPUs=03, Wants=[a.slice]", UnitProperty.describe(List.of(
                UnitProperty.bytes("AllowedCPUs", new byte[] {3}), UnitProperty.strings("Wants", List.of("a.slice")))));
    }

    @Test
    void parsesSystemdVersions() {
        assertEquals(252, SystemdBus.parseVersion("252.39-1~deb12u1"));
        assertEquals(249, SystemdBus.parseVersion("v249"));
        assertEquals(255, SystemdBus.parseVersion("255"));
        assertThrows(BerthException.class, () -> SystemdBus.parseVersion("unknown"));
        assertThrows(BerthException.class, () -> SystemdBus.parseVersion(null));
    }
}
