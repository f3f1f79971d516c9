package dev.berth.daemon.network;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A CNI network configuration list (CNI spec 1.0, section 1), validated. {@code json} is the list as
 * the plugins get it: a single-plugin {@code .conf} is wrapped into a list, as libcni does. {@code json}
 * is shared: copy a plugin object before changing it.
 */
record CniNetworkList(String source, ObjectNode json) {
    /** The versions whose result format (ips, interfaces, routes) this runtime reads. */
    private static final Set<String> SUPPORTED_VERSIONS = Set.of("0.3.0", "0.3.1", "0.4.0", "1.0.0");

    public String name() {
        return json.get("name").asText();
    }

    public String cniVersion() {
        return json.get("cniVersion").asText();
    }

    public List<ObjectNode> plugins() {
        List<ObjectNode> plugins = new ArrayList<>();
        json.get("plugins").forEach(p -> plugins.add((ObjectNode) p));
        return plugins;
    }

    /** Spec 0.4.0 introduced passing the ADD result to DEL; older plugins do not expect it. */
    public boolean passesPrevResultOnDel() {
        return !cniVersion().startsWith("0.3.");
    }

    /**
     * The lexically first {@code *.conflist}, {@code *.conf} or {@code *.json} in {@code confDir}, or
     * empty when there is none (or no such directory). A file that is not a valid configuration is
     * INVALID_ARGUMENT naming the file: a broken config must not be skipped silently for the next one.
     */
    public static Optional<CniNetworkList> loadFirst(Path confDir) {
        Optional<Path> first;
        try (Stream<Path> files = Files.list(confDir)) {
            first = files.filter(CniNetworkList::isConfigFile).filter(Files::isRegularFile)
                    .min((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BerthException.internal("list CNI configs in " + confDir + ": " + e, e);
        }
        return first.map(CniNetworkList::load);
    }

    private static boolean isConfigFile(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json");
    }

    static CniNetworkList load(Path file) {
        String what = "CNI config " + file;
        JsonNode tree;
        try {
            tree = OciJson.mapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            String at = l == null || l.getLineNr() < 0 ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
            throw BerthException.invalid("load " + what + ": malformed JSON" + at + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BerthException.internal("load " + what + ": " + e, e);
        }
        if (tree == null || !tree.isObject()) {
            throw BerthException.invalid("load " + what + ": expected a JSON object");
        }
        ObjectNode list = (ObjectNode) tree;
        if (!file.getFileName().toString().endsWith(".conflist")) {
            list = wrap(list);
        }
        return validated(what, list);
    }

    /** Checks a list read back from the attachment cache as strictly as one read from the config dir. */
    static CniNetworkList validated(String what, ObjectNode list) {
        String version = requireText(what, list, "cniVersion");
        if (!SUPPORTED_VERSIONS.contains(version)) {
            throw BerthException.invalid("load " + what + ": cniVersion \"" + version + "\" is not supported (supported: "
                    + String.join(", ", SUPPORTED_VERSIONS.stream().sorted().toList()) + ")");
        }
        String name = requireText(what, list, "name");
        if (name.contains("/")) {
            throw BerthException.invalid("load " + what + ": name \"" + name + "\" must not contain '/'");
        }
        JsonNode plugins = list.get("plugins");
        if (!(plugins instanceof ArrayNode) || plugins.isEmpty()) {
            throw BerthException.invalid("load " + what + ": \"plugins\" must be a non-empty array");
        }
        for (int i = 0; i < plugins.size(); i++) {
            JsonNode plugin = plugins.get(i);
            if (!plugin.isObject()) {
                throw BerthException.invalid("load " + what + ": plugins[" + i + "] is not a JSON object");
            }
            if (!isNonEmptyText(plugin.get("type"))) {
                throw BerthException.invalid("load " + what + ": plugins[" + i + "]: \"type\" must be a non-empty string");
            }
            String type = plugin.get("type").asText();
            if (type.contains("/")) {
                throw BerthException.invalid("load " + what + ": plugins[" + i + "] type \"" + type + "\" must not contain '/'");
            }
        }
        return new CniNetworkList(what, list);
    }

    private static ObjectNode wrap(ObjectNode conf) {
        ObjectNode list = OciJson.mapper().createObjectNode();
        if (conf.has("cniVersion")) {
            list.set("cniVersion", conf.get("cniVersion"));
        }
        if (conf.has("name")) {
            list.set("name", conf.get("name"));
        }
        list.putArray("plugins").add(conf);
        return list;
    }

    private static String requireText(String what, ObjectNode node, String field) {
        if (!isNonEmptyText(node.get(field))) {
            throw BerthException.invalid("load " + what + ": \"" + field + "\" must be a non-empty string");
        }
        return node.get(field).asText();
    }

    private static boolean isNonEmptyText(JsonNode v) {
        return v != null && v.isTextual() && !v.asText().isBlank();
    }
}
