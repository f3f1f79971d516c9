package dev.berth.daemon.container;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.api.model.ContainerUpdate;
import dev.berth.oci.BerthException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputRulesTest {
    private static ContainerCreate create(List<String> cmd, Long memory, Map<String, String> labels,
                                          ContainerCreate.LinuxOptions linux) {
        return create(cmd, memory, null, labels, linux);
    }

    private static ContainerCreate create(List<String> cmd, Long memory, Long blkioWeight, Map<String, String> labels,
                                          ContainerCreate.LinuxOptions linux) {
        return new ContainerCreate("web", "busybox", null, cmd, null, null, null, null, false, false, memory, null,
                null, blkioWeight, false, labels, null, null, null, null, null, linux, null);
    }

    private static ContainerCreate.LinuxOptions linux(Long shares, Long quota, Long period, Integer oomScoreAdj) {
        return new ContainerCreate.LinuxOptions(null, null, null, null, null, null, null, null, shares, quota,
                period, null, null, oomScoreAdj);
    }

    private static void refused(String field, Runnable check) {
        BerthException e = assertThrows(BerthException.class, check::run);
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(field), "names " + field + ": " + e.getMessage());
    }

    @Test
    void aPlainRequestPasses() {
        assertDoesNotThrow(() -> InputRules.checkCreate(create(List.of("sleep", "1"), 64L << 20,
                Map.of("app", "web"), linux(1024L, 50_000L, 100_000L, 500))));
        assertDoesNotThrow(() -> InputRules.checkCreate(create(null, InputRules.MAX_MEMORY, null,
                linux(null, -1L, null, -1000))));
        assertDoesNotThrow(() -> InputRules.checkUpdate(new ContainerUpdate(null, 1.5, -1L)));
    }

    @Test
    void blkioWeightMustBeTenToAThousandOnCreateAndUpdate() {
        assertDoesNotThrow(() -> InputRules.checkCreate(create(null, null, 10L, null, null)));
        assertDoesNotThrow(() -> InputRules.checkUpdate(blkioUpdate(1000L)));
        for (long bad : new long[] {9, 1001, 0, -1, Long.MAX_VALUE}) {
            refused("blkioWeight must be in 10..1000, not " + bad,
                    () -> InputRules.checkCreate(create(null, null, bad, null, null)));
            refused("blkioWeight must be in 10..1000, not " + bad, () -> InputRules.checkUpdate(blkioUpdate(bad)));
        }
    }

    private static ContainerUpdate blkioUpdate(long weight) {
        return new ContainerUpdate(null, null, null, null, null, null, null, null, weight);
    }

    @Test
    void resourcesOutsideWhatTheKernelTakesAreRefused() {
        refused("memory limit", () -> InputRules.checkCreate(create(null, Long.MAX_VALUE, null, null)));
        refused("memory limit", () -> InputRules.checkCreate(create(null, -1L, null, null)));
        refused("cpu shares", () -> InputRules.checkCreate(create(null, null, null, linux(1L << 40, null, null, null))));
        refused("cpu quota", () -> InputRules.checkCreate(create(null, null, null, linux(null, -5L, null, null))));
        refused("cpu quota", () -> InputRules.checkCreate(create(null, null, null,
                linux(null, Long.MAX_VALUE, null, null))));
        refused("cpu period", () -> InputRules.checkCreate(create(null, null, null, linux(null, null, 5L, null))));
        refused("oomScoreAdj", () -> InputRules.checkCreate(create(null, null, null, linux(null, null, null, 1001))));
        refused("oomScoreAdj", () -> InputRules.checkCreate(create(null, null, null,
                linux(null, null, null, Integer.MIN_VALUE))));
        refused("cpu quota", () -> InputRules.checkUpdate(new ContainerUpdate(null, null, null, null, -2L, null,
                null, null, null)));
        refused("cpus", () -> InputRules.checkUpdate(new ContainerUpdate(null, Double.NaN, null)));
    }

    @Test
    void nulAndNullAndHugeMapsAreRefused() {
        refused("cmd", () -> InputRules.checkCreate(create(List.of("a\0b"), null, null, null)));
        refused("cmd", () -> InputRules.checkCreate(create(java.util.Arrays.asList("a", null), null, null, null)));
        refused("labels", () -> InputRules.checkCreate(create(null, null, Map.of("k", "v\0"), null)));
        refused("labels", () -> InputRules.checkCreate(create(null, null, Map.of("", "v"), null)));
        Map<String, String> huge = new HashMap<>();
        for (int i = 0; i < 3_000; i++) {
            huge.put("key-" + i, "v".repeat(100));
        }
        refused("labels", () -> InputRules.checkCreate(create(null, null, huge, null)));
    }

    @Test
    void idPrefixesAreLowerCaseHex() {
        assertDoesNotThrow(() -> InputRules.checkIdPrefix("container", "3f2a"));
        for (String bad : List.of("", "../x", "ABC", "3f2a\0", "x".repeat(65), "ü")) {
            refused("container id", () -> InputRules.checkIdPrefix("container", bad));
        }
    }

    @Test
    void clientStringsAreShownEscapedAndCut() {
        assertEquals("'a\\x00b'", InputRules.shown("a\0b"));
        String shown = InputRules.shown("x".repeat(10_000));
        assertTrue(shown.startsWith("'" + "x".repeat(64) + "'... (10000 characters)"), shown);
        assertEquals("ok", InputRules.clientMessage("ok"));
        String cut = InputRules.clientMessage("m".repeat(5_000));
        assertTrue(cut.length() < 1_100 && cut.endsWith("(5000 characters)"), cut);
    }
}
