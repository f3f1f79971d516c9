package dev.berth.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes and durations the way Docker parses and prints them. */
public final class Units {
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB"};

    private Units() {
    }

    /**
     * "256m", "1.5g", "1024", "64KB", "2GiB": binary multiples (k = 1024), case-insensitive, like
     * Docker's RAMInBytes.
     */
    public static long parseMemory(String text) {
        if (text == null) {
            throw badMemory(text);
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        String num = s.substring(0, i);
        String unit = s.substring(i).trim();
        if (num.isEmpty() || num.startsWith(".") || num.endsWith(".") || num.indexOf('.') != num.lastIndexOf('.')) {
            throw badMemory(text);
        }
        long mult;
        switch (unit) {
            case "":
            case "b":
                mult = 1L;
                break;
            case "k":
            case "kb":
            case "kib":
                mult = 1L << 10;
                break;
            case "m":
            case "mb":
            case "mib":
                mult = 1L << 20;
                break;
            case "g":
            case "gb":
            case "gib":
                mult = 1L << 30;
                break;
            case "t":
            case "tb":
            case "tib":
                mult = 1L << 40;
                break;
            default:
                throw badMemory(text);
        }
        BigDecimal bytes = new BigDecimal(num).multiply(BigDecimal.valueOf(mult)).setScale(0, RoundingMode.DOWN);
        if (bytes.signum() <= 0) {
            throw new IllegalArgumentException("invalid memory size '" + text + "': must be more than 0 bytes");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid memory size '" + text + "': too large");
        }
        return bytes.longValueExact();
    }

    private static IllegalArgumentException badMemory(String text) {
        return new IllegalArgumentException("invalid memory size '" + text
                + "': use a number with an optional unit b, k, m, g or t (e.g. 256m, 1.5g)");
    }

    /** 1536 → "1.5KiB" (Docker's BytesSize, used by stats). */
    public static String binarySize(double bytes) {
        return size(bytes, 1024.0, BINARY, 4);
    }

    /** 1240000 → "1.24MB" (Docker's HumanSizeWithPrecision(x, 3), used by images). */
    public static String decimalSize(double bytes) {
        return size(bytes, 1000.0, DECIMAL, 3);
    }

    private static String size(double v, double base, String[] units, int significant) {
        int i = 0;
        while (v >= base && i < units.length - 1) {
            v /= base;
            i++;
        }
        return significant(v, significant) + units[i];
    }

    /** Go's %.Ng for the magnitudes we print: N significant digits, no trailing zeros. */
    static String significant(double v, int digits) {
        if (v == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v).round(new java.math.MathContext(digits, RoundingMode.HALF_EVEN));
        d = d.stripTrailingZeros();
        if (d.scale() < 0) {
            d = d.setScale(0);
        }
        return d.toPlainString();
    }

    /** Docker's HumanDuration: "Less than a second", "5 seconds", "About a minute", "2 hours", "3 weeks". */
    public static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = seconds / 60;
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(seconds / 3600.0);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return (hours / 24) + " days";
        } else if (hours < 24 * 30 * 2) {
            return (hours / 24 / 7) + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return (hours / 24 / 30) + " months";
        }
        return (seconds / 3600 / 24 / 365) + " years";
    }

    /** "3 minutes ago"; "" for an unknown time. */
    public static String ago(Instant then, Instant now) {
        if (then == null) {
            return "";
        }
        Duration d = Duration.between(then, now);
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return humanDuration(d) + " ago";
    }

    /** RFC 3339 (any offset) → Instant; null for null, blank or Go's zero time. */
    public static Instant parseTime(String s) {
        if (s == null || s.isBlank() || s.startsWith("0001-01-01")) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * A --since/--until value as docker's CLI reads it, as the Unix seconds the API takes: a Go duration
     * before {@code now} ("10m", "1h30m"), Unix seconds, RFC 3339, or a local date or date-time
     * ("2026-12-06", "2026-12-06T10:00:00").
     */
    public static String logTime(String value, Instant now, ZoneId zone) {
        Instant t;
        if (value.matches("[0-9]+(\\.[0-9]{1,9})?")) {
            return value;
        } else if (value.matches("(?:[0-9]+(?:\\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+")) {
            // compiled here, not in a static field: every command loads this class, only logs needs these
            BigDecimal nanos = BigDecimal.ZERO;
            Matcher m = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)").matcher(value);
            while (m.find()) {
                long unit = switch (m.group(2)) {
                    case "ns" -> 1L;
                    case "us", "µs" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
            }
            t = now.minusNanos(nanos.longValue());
        } else {
            try {
                t = OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException notWithOffset) {
                try {
                    t = value.length() == 10 ? LocalDate.parse(value).atStartOfDay(zone).toInstant()
                            : LocalDateTime.parse(value).atZone(zone).toInstant();
                } catch (DateTimeParseException e) {
                    throw new CliException("invalid time '" + value + "': want a duration (10m, 1h30m), Unix seconds,"
                            + " RFC 3339 or a date (2026-12-06)");
                }
            }
        }
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }
}
