package dev.berth.daemon.bootstrap;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes the modules' System.Logger output (JUL underneath) to stderr, one line per record. Under
 * systemd with stderr on the journal, lines carry sd-daemon(3) priority prefixes instead of a time and
 * a level word, so journald records each line's level (and adds its own timestamp).
 */
final class LogSetup {
    private static final Logger BERTH = Logger.getLogger("dev.berth");

    private LogSetup() {
    }

    static void configure(String level) {
        configure(level, journalIsStderr(System.getenv()));
    }

    static void configure(String level, boolean journal) {
        Level julLevel = parse(level);
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler handler = new ConsoleHandler();
        handler.setLevel(Level.ALL);
        handler.setFormatter(new LineFormatter(journal));
        root.addHandler(handler);
        root.setLevel(Level.WARNING);
        BERTH.setLevel(julLevel);
    }

    /** Changes the level of berthd's own loggers in place (a reload). */
    static void setLevel(String level) {
        BERTH.setLevel(parse(level));
    }

    static Level parse(String level) {
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.FINEST;
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> throw new IllegalArgumentException("unknown log level '" + level
                    + "' (trace, debug, info, warn, error)");
        };
    }

    /**
     * systemd sets $JOURNAL_STREAM to the device and inode of the stream it connected; only if stderr
     * is still that stream (not redirected by a wrapper) does the journal read our prefixes.
     */
    static boolean journalIsStderr(Map<String, String> env) {
        String stream = env.get("JOURNAL_STREAM");
        if (stream == null || !stream.contains(":")) {
            return false;
        }
        try {
            Path stderr = Path.of("/proc/self/fd/2");
            long dev = ((Number) Files.getAttribute(stderr, "unix:dev")).longValue();
            long ino = ((Number) Files.getAttribute(stderr, "unix:ino")).longValue();
            return stream.equals(dev + ":" + ino);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static final class LineFormatter extends Formatter {
        private final boolean journal;

        LineFormatter(boolean journal) {
            this.journal = journal;
        }

        @Override
        public String format(LogRecord r) {
            String logger = r.getLoggerName() == null ? "" : r.getLoggerName();
            String prefix = journal ? "<" + priority(r.getLevel()) + ">" : "";
            StringBuilder sb = new StringBuilder(prefix);
            if (!journal) {
                sb.append(Instant.ofEpochMilli(r.getMillis())).append(' ')
                        .append(levelName(r.getLevel())).append(' ');
            }
            sb.append(logger.substring(logger.lastIndexOf('.') + 1)).append(": ")
                    .append(formatMessage(r)).append('\n');
            if (r.getThrown() != null) {
                StringWriter sw = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(sw));
                // Every journal line is its own entry: the trace keeps the record's priority.
                for (String line : sw.toString().split("\n")) {
                    sb.append(prefix).append(line).append('\n');
                }
            }
            return sb.toString();
        }

        private static String levelName(Level level) {
            return switch (priority(level)) {
                case 3 -> "ERROR";
                case 4 -> "WARN ";
                case 6 -> "INFO ";
                default -> "DEBUG";
            };
        }

        /** syslog priorities: 3 err, 4 warning, 6 info, 7 debug. */
        static int priority(Level level) {
            if (level.intValue() >= Level.SEVERE.intValue()) {
                return 3;
            } else if (level.intValue() >= Level.WARNING.intValue()) {
                return 4;
            } else if (level.intValue() >= Level.INFO.intValue()) {
                return 6;
            }
            return 7;
        }
    }
}
