package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code events}: berthd's container events as they happen, or those of a past window. */
public final class EventCommands {
    private EventCommands() {
    }

    @Command(description = "Show containers' events (create, start, die, destroy) as they happen; with --until it ends.")
    public static final class Events extends Cmd {
        @Option(names = "--since", paramLabel = "TIME",
                description = "Also the recent events since TIME (berthd keeps the last 1024): a duration back (10m),"
                        + " Unix seconds, RFC 3339 or a date")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Stop at TIME (as --since)")
        String until;

        @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE",
                description = "container=, event=, image=, label=KEY[=VALUE], type=container; repeat for more")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "json, or a Go template over .Time .TimeNano .Type .Action .ID .Name .Image .ExitCode .Labels")
        String format;

        @Override
        public Integer call() throws IOException {
            StringBuilder q = new StringBuilder("/v1/events");
            char sep = '?';
            Instant now = Instant.now();
            if (since != null) {
                q.append(sep).append("since=").append(Units.logTime(since, now, ZoneId.systemDefault()));
                sep = '&';
            }
            if (until != null) {
                q.append(sep).append("until=").append(Units.logTime(until, now, ZoneId.systemDefault()));
                sep = '&';
            }
            if (!filters.isEmpty()) {
                q.append(sep).append("filters=").append(Api.enc(ContainerCommands.filtersJson(filters)));
            }
            try (HttpResponse r = api().stream(q.toString());
                 BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    Map<String, Object> e = Json.map(Json.parse(line));
                    if (Formats.isJson(format)) {
                        out().println(line);
                    } else if (Formats.isDefaultTable(format)) {
                        out().println(dockerLine(e));
                    } else {
                        Formats.print(out(), format, List.of(row(e)), Map.of());
                    }
                    out().flush();
                }
            }
            return 0;
        }
    }

    /** docker events' line: TIME TYPE ACTION ID (key=value, ... sorted). */
    static String dockerLine(Map<String, Object> e) {
        Map<String, Object> attrs = new TreeMap<>();
        if (e.get("exitCode") != null) {
            attrs.put("exitCode", e.get("exitCode"));
        }
        attrs.put("image", Json.str(e, "image", ""));
        attrs.put("name", Json.str(e, "name", ""));
        StringBuilder sb = new StringBuilder();
        sb.append(Json.str(e, "time", "")).append(' ').append(Json.str(e, "type", "")).append(' ')
                .append(Json.str(e, "action", "")).append(' ').append(Json.str(e, "id", "")).append(" (");
        boolean first = true;
        for (Map.Entry<String, Object> a : attrs.entrySet()) {
            sb.append(first ? "" : ", ").append(a.getKey()).append('=').append(a.getValue());
            first = false;
        }
        return sb.append(')').toString();
    }

    /** An event as templates see it: docker's field names. */
    static Map<String, Object> row(Map<String, Object> e) {
        Map<String, Object> row = new LinkedHashMap<>();
        Instant t = Units.parseTime(Json.str(e, "time"));
        row.put("Time", t == null ? 0 : t.getEpochSecond());
        row.put("TimeNano", t == null ? 0 : t.getEpochSecond() * 1_000_000_000L + t.getNano());
        row.put("Type", Json.str(e, "type", ""));
        row.put("Action", Json.str(e, "action", ""));
        row.put("ID", Json.str(e, "id", ""));
        row.put("Name", Json.str(e, "name", ""));
        row.put("Image", Json.str(e, "image", ""));
        row.put("ExitCode", e.get("exitCode"));
        row.put("Labels", e.get("labels") == null ? Map.of() : e.get("labels"));
        return row;
    }
}
