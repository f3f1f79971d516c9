package dev.berth.daemon.logs;

import dev.berth.oci.BerthException;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * The times a log or events request asks for ({@code since}, {@code until}; either open), as Docker's API
 * takes them: Unix seconds with an optional fraction, or RFC 3339.
 */
public record TimeWindow(Instant since, Instant until) {
    public static final TimeWindow ALL = new TimeWindow(null, null);

    /** Either may be null (open); a value that is not a time is an invalid argument naming its parameter. */
    /** {@code operation} starts the error messages ("logs of container 3f2a…"). */
    public static TimeWindow parse(String operation, String since, String until) {
        TimeWindow w = new TimeWindow(time(operation, "since", since), time(operation, "until", until));
        if (w.since != null && w.until != null && w.until.isBefore(w.since)) {
            throw BerthException.invalid(operation + ": until " + until + " is before since " + since);
        }
        return w;
    }

    private static Instant time(String operation, String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            if (value.matches("[0-9]+(\\.[0-9]{1,9})?")) {
                BigDecimal seconds = new BigDecimal(value);
                long whole = seconds.longValue();
                return Instant.ofEpochSecond(whole, seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValueExact());
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (ArithmeticException | DateTimeParseException e) {
            throw BerthException.invalid(operation + ": " + field + " '" + value
                    + "' is neither Unix seconds nor an RFC 3339 time");
        }
    }

    public boolean isOpen() {
        return since == null && until == null;
    }

    public boolean tooEarly(Instant t) {
        return since != null && t.isBefore(since);
    }

    public boolean tooLate(Instant t) {
        return until != null && t.isAfter(until);
    }
}
