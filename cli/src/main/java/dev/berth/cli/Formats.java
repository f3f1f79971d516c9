package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code --format} of the listing commands as Podman reads it: {@code json}, {@code table} (the default
 * table), {@code table TEMPLATE} (a header from the template's fields, then aligned rows) or a Go template
 * printed once per row. {@code \t} and {@code \n} typed literally in the shell are tabs and newlines.
 */
final class Formats {
    private Formats() {
    }

    static boolean isJson(String format) {
        return "json".equals(format) || "{{json .}}".equals(format);
    }

    /** {@code --format json}: the API's objects as they came, one per line. */
    static void jsonLines(PrintStream out, List<Object> apiObjects) throws IOException {
        for (Object o : apiObjects) {
            out.println(Json.compact(o));
        }
        out.flush();
    }

    /**
     * The rest of a listing's formats over its {@code rows}: {@code quiet} prints each row's {@code nameKey},
     * no format the command's own table, else the template.
     */
    static void rows(PrintStream out, String format, boolean quiet, List<Map<String, Object>> rows, String nameKey,
                     Supplier<Table> table, Map<String, String> headers) {
        if (quiet) {
            rows.forEach(r -> out.println(r.get(nameKey)));
            out.flush();
        } else if (isDefaultTable(format)) {
            table.get().print(out);
        } else {
            print(out, format, rows, headers);
        }
    }

    /** The default table: no format, or {@code table} alone. */
    static boolean isDefaultTable(String format) {
        return format == null || format.isBlank() || format.strip().equals("table");
    }

    /**
     * Prints {@code rows} through the template {@code format}; {@code headers} names a field's column where it
     * is not just the field in capitals ("ID" is "CONTAINER ID" in ps).
     */
    static void print(PrintStream out, String format, List<Map<String, Object>> rows, Map<String, String> headers) {
        String f = format.replace("\\t", "\t").replace("\\n", "\n");
        boolean table = f.startsWith("table ");
        GoTemplate template = GoTemplate.parse(table ? f.substring("table ".length()) : f);
        if (!table) {
            StringBuilder sb = new StringBuilder();
            for (Map<String, Object> row : rows) {
                sb.append(template.execute(row)).append('\n');
            }
            out.print(sb);
            out.flush();
            return;
        }
        String[] header = header(template, headers);
        List<String[]> cells = new ArrayList<>();
        int columns = header.length;
        for (Map<String, Object> row : rows) {
            String[] c = template.execute(row).split("\t", -1);
            cells.add(c);
            columns = Math.max(columns, c.length);
        }
        Table t = new Table(Arrays.copyOf(header, columns));
        for (String[] c : cells) {
            t.row(Arrays.copyOf(c, columns));
        }
        t.print(out);
    }

    /**
     * The header row: the template run on each field's column name, as Podman and Docker make it (so
     * "{{.Repository}}:{{.Tag}}" heads one column "REPOSITORY:TAG"); the names alone, a column each, when the
     * template does more with a field than print it.
     */
    private static String[] header(GoTemplate template, Map<String, String> headers) {
        Map<String, Object> names = new LinkedHashMap<>();
        for (String field : template.fields()) {
            names.put(field, headers.getOrDefault(field, field.toUpperCase(Locale.ROOT)));
        }
        try {
            return template.execute(names).split("\t", -1);
        } catch (TemplateException e) {
            return names.values().toArray(new String[0]);
        }
    }
}
