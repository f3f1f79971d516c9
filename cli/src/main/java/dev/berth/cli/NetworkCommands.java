package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth network ...} and {@code berth port}: api.md's /v1/networks and a container's published ports. */
public final class NetworkCommands {
    private NetworkCommands() {
    }

    @Command(description = "Manage networks.",
            subcommands = {NetworkCreate.class, NetworkLs.class, NetworkInspect.class, NetworkRm.class, NetworkPrune.class})
    public static final class NetworkGroup extends Cmd {
        @Override
        public Integer call() {
            spec.commandLine().usage(out());
            return 0;
        }
    }

    @Command(name = "create", description = "Create a bridge network and print its name.")
    public static final class NetworkCreate extends Cmd {
        @Option(names = "--subnet", paramLabel = "CIDR", description = "IPv4 subnet (default: a free 10.90.N.0/24)")
        String subnet;

        @Option(names = "--internal", description = "No outbound traffic: the containers reach only each other")
        boolean internal;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (subnet != null) {
                body.put("subnet", subnet);
            }
            body.put("internal", internal);
            out().println(Json.str(Json.map(api().post("/v1/networks", body)), "name", name));
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List networks.")
    public static final class NetworkLs extends Cmd {
        @Option(names = {"-q", "--quiet"}, description = "Only names")
        boolean quiet;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "json (one JSON object per line), table, or a Go template over .Name .Driver .Subnet"
                        + " .Gateway .Internal .Containers (table TEMPLATE adds a header)")
        String format;

        @Override
        public Integer call() throws IOException {
            List<Object> list = Json.list(api().get("/v1/networks"));
            if (Formats.isJson(format)) {
                Formats.jsonLines(out(), list);
                return 0;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Object o : list) {
                Map<String, Object> n = Json.map(o);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("Name", Json.str(n, "name", ""));
                row.put("Driver", Json.str(n, "driver", ""));
                row.put("Subnet", Json.str(n, "subnet", ""));
                row.put("Gateway", Json.str(n, "gateway", ""));
                row.put("Internal", Json.bool(n, "internal"));
                row.put("Containers", Json.list(n.get("containers")).size());
                rows.add(row);
            }
            Formats.rows(out(), format, quiet, rows, "Name", () -> {
                Table table = new Table("NAME", "DRIVER", "SUBNET", "GATEWAY", "INTERNAL", "CONTAINERS");
                for (Map<String, Object> r : rows) {
                    table.row(String.valueOf(r.get("Name")), String.valueOf(r.get("Driver")), String.valueOf(r.get("Subnet")),
                            String.valueOf(r.get("Gateway")), String.valueOf(r.get("Internal")),
                            String.valueOf(r.get("Containers")));
                }
                return table;
            }, Map.of());
            return 0;
        }
    }

    @Command(name = "inspect", description = "Show networks as JSON.")
    public static final class NetworkInspect extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> names;

        @Override
        public Integer call() throws IOException {
            List<Object> found = new ArrayList<>();
            boolean failed = false;
            for (String name : names) {
                try {
                    found.add(api().get("/v1/networks/" + Api.enc(name)));
                } catch (ApiException e) {
                    err().println("Error: " + e.getMessage());
                    failed = true;
                }
            }
            out().println(Json.pretty(found));
            return failed ? Main.EXIT_PARTIAL : 0;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove networks no container is on.")
    public static final class NetworkRm extends Cmd {
        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> names;

        @Override
        public Integer call() {
            return forEach(names, name -> api().delete("/v1/networks/" + Api.enc(name)));
        }
    }

    @Command(name = "prune", description = "Remove every network no container is on (the default one stays).")
    public static final class NetworkPrune extends Cmd {
        @Override
        public Integer call() {
            for (Object name : Json.list(Json.map(api().post("/v1/networks/prune", null)).get("removed"))) {
                out().println(name);
            }
            return 0;
        }
    }

    @Command(description = "List a container's published ports (CONTAINER_PORT/PROTO -> HOST_IP:HOST_PORT).")
    public static final class Port extends Cmd {
        @Parameters(index = "0", paramLabel = "CONTAINER")
        String ref;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PORT[/PROTO]", description = "Only this container port")
        String only;

        @Override
        public Integer call() {
            Map<String, Object> network = Json.map(Json.map(api().get(Api.container(ref))).get("network"));
            boolean found = false;
            for (Object o : Json.list(network.get("ports"))) {
                Map<String, Object> p = Json.map(o);
                String containerPort = Json.lng(p, "containerPort", 0) + "/" + Json.str(p, "protocol", "tcp");
                String hostIp = Json.str(p, "hostIp", "");
                String host = (hostIp.isEmpty() ? "0.0.0.0" : hostIp) + ":" + Json.lng(p, "hostPort", 0);
                if (only == null) {
                    out().println(containerPort + " -> " + host);
                    found = true;
                } else if (containerPort.equals(only.contains("/") ? only : only + "/tcp")) {
                    out().println(host);
                    found = true;
                }
            }
            out().flush();
            if (only != null && !found) {
                throw new CliException("no public port '" + only + "' published for " + ref);
            }
            return 0;
        }
    }
}
