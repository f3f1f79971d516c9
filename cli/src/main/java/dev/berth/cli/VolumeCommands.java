package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth volume ...}: api.md's /v1/volumes. */
public final class VolumeCommands {
    private VolumeCommands() {
    }

    @Command(description = "Manage volumes.",
            subcommands = {VolumeCreate.class, VolumeLs.class, VolumeInspect.class, VolumeRm.class, VolumePrune.class})
    public static final class VolumeGroup extends Cmd {
        @Override
        public Integer call() {
            spec.commandLine().usage(out());
            return 0;
        }
    }

    @Command(name = "create", description = "Create a volume (or find the one of that name) and print its name.")
    public static final class VolumeCreate extends Cmd {
        @Option(names = {"-l", "--label"}, paramLabel = "K=V", description = "Set a label")
        List<String> labels = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            Map<String, String> l = new LinkedHashMap<>();
            for (String kv : labels) {
                int eq = kv.indexOf('=');
                l.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
            }
            body.put("labels", l);
            out().println(Json.str(Json.map(api().post("/v1/volumes", body)), "name", name));
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List volumes.")
    public static final class VolumeLs extends Cmd {
        @Option(names = {"-q", "--quiet"}, description = "Only names")
        boolean quiet;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "json (one JSON object per line), table, or a Go template over .Name .Driver .Mountpoint"
                        + " .CreatedAt .Labels .Anonymous .UsedBy (table TEMPLATE adds a header)")
        String format;

        @Override
        public Integer call() throws IOException {
            List<Object> list = Json.list(api().get("/v1/volumes"));
            if (Formats.isJson(format)) {
                Formats.jsonLines(out(), list);
                return 0;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Object o : list) {
                Map<String, Object> v = Json.map(o);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("Name", Json.str(v, "name", ""));
                row.put("Driver", "local");
                row.put("Mountpoint", Json.str(v, "mountpoint", ""));
                row.put("CreatedAt", Json.str(v, "createdAt", ""));
                row.put("Labels", v.get("labels") == null ? Map.of() : v.get("labels"));
                row.put("Anonymous", Json.bool(v, "anonymous"));
                row.put("UsedBy", Json.list(v.get("usedBy")).size());
                rows.add(row);
            }
            Formats.rows(out(), format, quiet, rows, "Name", () -> {
                Table t = new Table("DRIVER", "VOLUME NAME");
                rows.forEach(r -> t.row("local", String.valueOf(r.get("Name"))));
                return t;
            }, Map.of("Name", "VOLUME NAME"));
            return 0;
        }
    }

    @Command(name = "inspect", description = "Show volumes as a JSON array.")
    public static final class VolumeInspect extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        @Override
        public Integer call() throws IOException {
            List<Object> found = new ArrayList<>();
            boolean failed = false;
            for (String n : names) {
                try {
                    found.add(api().get("/v1/volumes/" + Api.enc(n)));
                } catch (ApiException e) {
                    err().println("Error: " + e.getMessage());
                    failed = true;
                }
            }
            out().println(Json.pretty(found));
            return failed ? Main.EXIT_PARTIAL : 0;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove volumes no container uses.")
    public static final class VolumeRm extends Cmd {
        @Option(names = {"-f", "--force"}, description = "No error for a volume that does not exist")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        @Override
        public Integer call() {
            final String q = force ? "?force=true" : "";
            return forEach(names, new PerRef() {
                @Override
                public void apply(String name) {
                    api().delete("/v1/volumes/" + Api.enc(name) + q);
                }
            });
        }
    }

    @Command(name = "prune", description = "Remove every volume no container uses.")
    public static final class VolumePrune extends Cmd {
        @Option(names = {"-f", "--force"}, description = "Do not ask (berth never asks: accepted for scripts)")
        boolean force;

        @Override
        public Integer call() {
            for (Object name : Json.list(Json.map(api().post("/v1/volumes/prune", null)).get("removed"))) {
                out().println(name);
            }
            out().flush();
            return 0;
        }
    }
}
