package dev.berth.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitsTest {
    @ParameterizedTest
    @CsvSource({
            "1024, 1024",
            "100b, 100",
            "100B, 100",
            "1k, 1024",
            "1kb, 1024",
            "2KB, 2048",
            "256m, 268435456",
            "256M, 268435456",
            "256mb, 268435456",
            "256MiB, 268435456",
            "1g, 1073741824",
            "1GB, 1073741824",
            "1.5g, 1610612736",
            "0.5k, 512",
            "1t, 1099511627776",
    })
    void parsesMemorySizes(String text, long bytes) {
        assertEquals(bytes, Units.parseMemory(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "12x", "1..5m", ".5m", "5.m", "-1m", "0", "0m", "1 g b", "1e3", "99999999999t"})
    void rejectsBadMemorySizes(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseMemory(text));
        assertTrue(e.getMessage().contains("invalid memory size '" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
            "0, Less than a second",
            "1, 1 second",
            "45, 45 seconds",
            "60, About a minute",
            "119, About a minute",
            "180, 3 minutes",
            "3599, 59 minutes",
            "3600, About an hour",
            "5400, 2 hours",
            "169000, 47 hours",
            "172799, 2 days",
            "172800, 2 days",
            "1209600, 2 weeks",
            "5184000, 2 months",
            "63072000, 2 years",
    })
    void humanDurationLikeDocker(long seconds, String expected) {
        assertEquals(expected, Units.humanDuration(Duration.ofSeconds(seconds)));
    }

    @Test
    void agoAndParseTime() {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        Instant t = Units.parseTime("2026-11-22T09:56:59.123456789Z");
        assertEquals(Instant.parse("2026-11-22T09:56:59Z").plusNanos(123456789), t);
        assertEquals("3 minutes ago", Units.ago(t, now));
        assertEquals("2 minutes ago", Units.ago(t.plusSeconds(1), now));
        assertEquals("About an hour ago", Units.ago(Units.parseTime("2026-11-22T11:00:00+01:00"), now.plusSeconds(3600)));
        assertEquals("Less than a second ago", Units.ago(now.plusSeconds(5), now), "clock skew is not negative");
        assertNull(Units.parseTime("0001-01-01T00:00:00Z"));
        assertNull(Units.parseTime("garbage"));
        assertEquals("", Units.ago(null, now));
    }

    @Test
    void sizes() {
        assertEquals("0B", Units.binarySize(0));
        assertEquals("512B", Units.binarySize(512));
        assertEquals("1.5KiB", Units.binarySize(1536));
        assertEquals("256MiB", Units.binarySize(268435456));
        assertEquals("1.234MiB", Units.binarySize(1.234 * 1024 * 1024));
        assertEquals("1.24MB", Units.decimalSize(1_240_000));
        assertEquals("4.26MB", Units.decimalSize(4_261_376));
        assertEquals("999B", Units.decimalSize(999));
        assertEquals("1kB", Units.decimalSize(1000));
    }

    @Test
    void logTimesAreReadAsDockersCliReadsThem() {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");
        java.time.ZoneId utc = java.time.ZoneId.of("UTC");
        assertEquals("1796550600.000000000", Units.logTime("10m", now, utc));
        assertEquals("1796545800.000000000", Units.logTime("1h30m", now, utc));
        assertEquals("1796551199.500000000", Units.logTime("500ms", now, utc));
        assertEquals("1796551200.25", Units.logTime("1796551200.25", now, utc));
        assertEquals("1796547600.000000000", Units.logTime("2026-12-06T10:00:00+01:00", now, utc));
        assertEquals("1796515200.000000000", Units.logTime("2026-12-06", now, utc));
        assertEquals("1796551200.000000000", Units.logTime("2026-12-06T10:00:00", now, utc));
        CliException e = assertThrows(CliException.class, () -> Units.logTime("yesterday", now, utc));
        assertTrue(e.getMessage().startsWith("invalid time 'yesterday'"), e.getMessage());
    }
}
