package dev.berth.daemon.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LogSetupTest {
    private static LogRecord record(Level level, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("dev.berth.daemon.bootstrap.Berthd");
        return r;
    }

    @Test
    void journalLinesCarrySyslogPriorities() {
        LogSetup.LineFormatter journal = new LogSetup.LineFormatter(true);
        assertEquals("<3>Berthd: broken\n", journal.format(record(Level.SEVERE, "broken")));
        assertEquals("<4>Berthd: odd\n", journal.format(record(Level.WARNING, "odd")));
        assertEquals("<6>Berthd: fine\n", journal.format(record(Level.INFO, "fine")));
        assertEquals("<7>Berthd: detail\n", journal.format(record(Level.FINE, "detail")));
        assertEquals("<7>Berthd: more\n", journal.format(record(Level.FINEST, "more")));
        LogRecord thrown = record(Level.SEVERE, "failed");
        thrown.setThrown(new IllegalStateException("boom"));
        for (String line : journal.format(thrown).split("\n")) {
            assertTrue(line.startsWith("<3>"), line);
        }
    }

    @Test
    void plainLinesKeepTimeAndLevelWord() {
        String line = new LogSetup.LineFormatter(false).format(record(Level.WARNING, "odd"));
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\S+ WARN  Berthd: odd\n"), line);
    }

    @Test
    void journalStreamMustBeStderrItself() {
        assertFalse(LogSetup.journalIsStderr(Map.of()));
        assertFalse(LogSetup.journalIsStderr(Map.of("JOURNAL_STREAM", "1:1")));
    }
}
