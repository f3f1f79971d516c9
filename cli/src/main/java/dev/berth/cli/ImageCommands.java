package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Image commands: {@code images}, {@code image import|ls|rm|inspect}, {@code rmi}. */
public final class ImageCommands {
    private ImageCommands() {
    }

    @Command(description = "List images.")
    public static class Images extends Cmd {
        @Option(names = {"-q", "--quiet"}, description = "Only image ids")
        boolean quiet;

        @Option(names = "--no-trunc", description = "Do not truncate ids")
        boolean noTrunc;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "json (one JSON object per line), table, or a Go template over .ID .Repository .Tag"
                        + " .Digest .CreatedAt .CreatedSince .Size (one row per name; table TEMPLATE adds a header)")
        String format;

        @Option(names = "--digests", description = "Show the manifest digests")
        boolean digests;

        @Override
        public Integer call() throws IOException {
            List<Object> list = Json.list(api().get("/v1/images"));
            if (Formats.isJson(format)) {
                Formats.jsonLines(out(), list);
            } else if (quiet) {
                for (Object o : list) {
                    out().println(ContainerCommands.shortId(Json.str(Json.map(o), "id", ""), noTrunc));
                }
            } else if (Formats.isDefaultTable(format)) {
                imagesTable(list, Instant.now(), noTrunc, digests).print(out());
            } else {
                Formats.print(out(), format, imageRows(list, Instant.now(), noTrunc), Map.of("ID", "IMAGE ID",
                        "CreatedSince", "CREATED", "CreatedAt", "CREATED AT"));
            }
            return 0;
        }
    }

    /** One row per name (Docker shows each tag of an image); "<none>" for an unnamed image. */
    static Table imagesTable(List<Object> list, Instant now, boolean noTrunc, boolean digests) {
        Table t = digests ? new Table("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
                : new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        for (Object o : list) {
            Map<String, Object> img = Json.map(o);
            String id = ContainerCommands.shortId(Json.str(img, "id", ""), noTrunc);
            String digest = Json.str(img, "digest", "<none>");
            String created = Units.ago(Units.parseTime(Json.str(img, "createdAt")), now);
            String size = Units.decimalSize(Json.lng(img, "size", 0));
            List<Object> names = Json.list(img.get("names"));
            if (names.isEmpty()) {
                names = List.of("<none>:<none>");
            }
            for (Object n : names) {
                String[] rt = splitRef(n.toString());
                if (digests) {
                    t.row(rt[0], rt[1], digest, id, created, size);
                } else {
                    t.row(rt[0], rt[1], id, created, size);
                }
            }
        }
        return t;
    }

    /** Images as images' templates see them, one row per name as in the table: Podman's field names. */
    static List<Map<String, Object>> imageRows(List<Object> list, Instant now, boolean noTrunc) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Object o : list) {
            Map<String, Object> img = Json.map(o);
            List<Object> names = Json.list(img.get("names"));
            for (Object n : names.isEmpty() ? List.<Object>of("<none>:<none>") : names) {
                String[] rt = splitRef(n.toString());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("ID", ContainerCommands.shortId(Json.str(img, "id", ""), noTrunc));
                row.put("Repository", rt[0]);
                row.put("Tag", rt[1]);
                row.put("Digest", Json.str(img, "digest", "<none>"));
                row.put("CreatedAt", Json.str(img, "createdAt", ""));
                row.put("CreatedSince", Units.ago(Units.parseTime(Json.str(img, "createdAt")), now));
                row.put("Size", Units.decimalSize(Json.lng(img, "size", 0)));
                rows.add(row);
            }
        }
        return rows;
    }

    /** "localhost/busybox:latest" → {"localhost/busybox", "latest"}; a digest ref has tag "<none>". */
    static String[] splitRef(String ref) {
        int at = ref.indexOf('@');
        if (at >= 0) {
            return new String[] {ref.substring(0, at), "<none>"};
        }
        int colon = ref.lastIndexOf(':');
        if (colon > ref.lastIndexOf('/')) {
            return new String[] {ref.substring(0, colon), ref.substring(colon + 1)};
        }
        return new String[] {ref, "<none>"};
    }

    @Command(description = "Manage images.",
            subcommands = {Import.class, Ls.class, ImageRm.class, ImageInspect.class, Prune.class,
                    RegistryCommands.Pull.class})
    public static final class ImageGroup extends Cmd {
        @Override
        public Integer call() {
            spec.commandLine().usage(out());
            return 0;
        }
    }

    @Command(name = "import", description = "Import an OCI layout directory or archive and print the image id.")
    public static final class Import extends Cmd {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Option(names = "--name", paramLabel = "REF", description = "Name it (e.g. busybox:latest)")
        String name;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("path", Path.of(path).toAbsolutePath().normalize().toString());
            if (name != null) {
                body.put("name", name);
            }
            Map<String, Object> img = Json.map(api().post("/v1/images/import", body));
            out().println(Json.str(img, "id", ""));
            return 0;
        }
    }

    /** `berth image ls`: the same command as `berth images`, options inherited. */
    @Command(name = "ls", aliases = "list", description = "List images (= berth images).")
    public static final class Ls extends Images {
    }

    @Command
    abstract static class RemoveImages extends Cmd {
        @Option(names = {"-f", "--force"}, description = "Remove even when containers use it")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> refs;

        @Override
        public Integer call() {
            final String q = force ? "?force=true" : "";
            return forEach(refs, new PerRef() {
                @Override
                public void apply(String ref) {
                    api().delete(Api.image(ref) + q);
                }
            });
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove images.")
    public static final class ImageRm extends RemoveImages {
    }

    @Command(description = "Remove images (= berth image rm).")
    public static final class Rmi extends RemoveImages {
    }

    @Command(name = "prune", description = "Remove unnamed images no container uses; with -a every unused image.")
    public static final class Prune extends Cmd {
        @Option(names = {"-a", "--all"}, description = "Remove all images no container uses, not just unnamed ones")
        boolean all;

        @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation")
        boolean force;

        @Override
        public Integer call() throws IOException {
            if (!force) {
                out().print(all ? "WARNING! This will remove all images without at least one container associated to them.\n"
                        : "WARNING! This will remove all dangling images.\n");
                out().print("Are you sure you want to continue? [y/N] ");
                out().flush();
                String answer = new java.io.BufferedReader(new java.io.InputStreamReader(in(),
                        java.nio.charset.StandardCharsets.UTF_8)).readLine();
                if (answer == null || !(answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"))) {
                    out().println();
                    return 0;
                }
            }
            Map<String, Object> r = Json.map(api().post("/v1/images/prune" + (all ? "?all=true" : ""), null));
            List<Object> removed = Json.list(r.get("removed"));
            if (!removed.isEmpty()) {
                out().println("Deleted Images:");
                for (Object id : removed) {
                    out().println("deleted: " + id);
                }
                out().println();
            }
            out().println("Total reclaimed space: " + Units.decimalSize(Json.lng(r, "reclaimed", 0)));
            return 0;
        }
    }

    @Command(name = "inspect", description = "Show images' details as a JSON array.")
    public static final class ImageInspect extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> refs;

        @Override
        public Integer call() throws IOException {
            List<Object> found = new java.util.ArrayList<>();
            boolean failed = false;
            for (String ref : refs) {
                try {
                    found.add(api().get(Api.image(ref)));
                } catch (ApiException e) {
                    err().println("Error: " + e.getMessage());
                    failed = true;
                }
            }
            out().println(Json.pretty(found));
            return failed ? Main.EXIT_PARTIAL : 0;
        }
    }
}
