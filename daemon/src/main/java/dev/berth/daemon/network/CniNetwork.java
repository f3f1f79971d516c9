package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.image.OverlayRootfs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Pod networking through CNI plugins (spec 1.0), without libcni: the lexically first network config in
 * the conf dir, plus the loopback plugin for {@code lo}, run for each pod with {@code eth0} as its
 * interface. The config is read on every attach and readiness check, so a config dropped in later (as
 * network add-ons do) takes effect without a restart; a detach uses the config cached at attach.
 *
 * <p>Thread-safe: it keeps no state in memory, and each pod has its own cache file. Calls for the same
 * pod must be serialized by the caller.
 */
public final class CniNetwork implements PodNetwork {
    private static final System.Logger LOG = System.getLogger(CniNetwork.class.getName());
    static final String POD_INTERFACE = "eth0";
    /** The spec's rule for CNI_CONTAINERID; it also keeps the id a safe cache file name. */
    private static final Pattern POD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");
    private static final ObjectNode LOOPBACK = OciJson.mapper().createObjectNode()
            .put("cniVersion", "1.0.0").put("name", "cni-loopback").put("type", "loopback");

    private final Path confDir;
    private final CniPlugins plugins;
    private final CniAttachmentCache cache;

    /**
     * @param confDir  where network configs are looked up (e.g. /etc/cni/net.d); may not exist yet
     * @param binDirs  plugin directories, searched in order (e.g. /usr/lib/cni, /opt/cni/bin)
     * @param cacheDir where each pod's attachment is kept for its DEL (e.g. /var/lib/berth/cni); created
     */
    public CniNetwork(Path confDir, List<Path> binDirs, Path cacheDir) {
        this.confDir = confDir;
        this.plugins = new CniPlugins(binDirs);
        this.cache = new CniAttachmentCache(cacheDir);
    }

    @Override
    public NetworkStatus attach(PodNetworkRequest r) {
        String op = "attach pod " + r.podId();
        return attach(op, r, currentNetwork(op));
    }

    /** Attaches to the network list in {@code conflist} rather than the conf dir's first: a container's named network. */
    NetworkStatus attach(String op, PodNetworkRequest r, Path conflist) {
        CniNetworkList network;
        try {
            network = CniNetworkList.load(conflist);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), op + ": " + e.getMessage(), e);
        }
        return attach(op, r, network);
    }

    private NetworkStatus attach(String op, PodNetworkRequest r, CniNetworkList network) {
        checkIdentity(op, r);
        if (r.netns() == null || !Files.exists(r.netns())) {
            throw BerthException.invalid(op + ": network namespace " + r.netns() + " does not exist");
        }
        List<PortMapping> mappings = normalized(op, r.portMappings());
        try {
            requirePlugins(network);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), op + ": " + e.getMessage(), e);
        }
        if (cache.load(r.podId()).isPresent()) {
            throw new BerthException(BerthException.Kind.ALREADY_EXISTS, op + ": already attached (" + cache.file(r.podId())
                    + "); detach it first");
        }
        CniAttachment attachment = new CniAttachment(r.podId(), nullToEmpty(r.podName()), nullToEmpty(r.podNamespace()),
                nullToEmpty(r.podUid()), r.netns().toString(), network.json(), mappings, null);
        cache.save(attachment);
        try {
            String netns = r.netns().toString();
            plugins.exec(op, "ADD", LOOPBACK, invocation(attachment, netns, "lo"));
            JsonNode result = null;
            for (ObjectNode plugin : network.plugins()) {
                result = plugins.exec(op, "ADD", pluginConfig(network, plugin, result, mappings),
                        invocation(attachment, netns, POD_INTERFACE));
                if (result == null || !result.isObject()) {
                    throw BerthException.internal(op + ": CNI plugin " + plugin.get("type").asText()
                            + " ADD returned no result object", null);
                }
            }
            cache.save(attachment.withResult(result));
            NetworkStatus status = statusOf(result);
            LOG.log(Level.INFO, "pod {0}: attached to CNI network {1}: ip {2} {3}", r.podId(), network.name(),
                    status.ip(), status.additionalIps());
            return status;
        } catch (RuntimeException e) {
            rollBack(op, attachment, network, e);
            throw e;
        }
    }

    /** Undoes a failed ADD with a DEL of every plugin, so nothing is half-made; a failed DEL keeps the entry for a later detach. */
    private void rollBack(String op, CniAttachment attachment, CniNetworkList network, RuntimeException cause) {
        try {
            delete(op, attachment, network, attachment.netns());
            cache.remove(attachment.podId());
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.log(Level.WARNING, "pod {0}: undoing the failed CNI ADD failed too, a detach will retry: {1}",
                    attachment.podId(), e.getMessage());
        }
    }

    @Override
    public void detach(PodNetworkRequest r) {
        String op = "detach pod " + r.podId();
        checkPodId(op, r.podId());
        Optional<CniAttachment> cached = cache.load(r.podId());
        if (cached.isEmpty()) {
            // The entry is written before the first plugin runs, so without one there is nothing to undo.
            LOG.log(Level.DEBUG, "pod {0}: not attached to a CNI network, nothing to detach", r.podId());
            return;
        }
        CniAttachment attachment = cached.get();
        CniNetworkList network = CniNetworkList.validated("cached attachment " + cache.file(r.podId()), attachment.network());
        Path netns = r.netns() != null ? r.netns() : Path.of(attachment.netns());
        // The spec lets DEL run without a namespace; the plugins then release what lives outside it (IP
        // leases, port mappings). A path that is no longer a namespace would make them fail instead.
        String netnsArg = OverlayRootfs.isMounted(netns) ? netns.toString() : "";
        delete(op, attachment, network, netnsArg);
        cache.remove(r.podId());
        LOG.log(Level.INFO, "pod {0}: detached from CNI network {1}{2}", r.podId(), network.name(),
                netnsArg.isEmpty() ? " (its network namespace was already gone)" : "");
    }

    /** DEL of the list in reverse order (spec section 3), with the ADD result as prevResult, then of loopback. */
    private void delete(String op, CniAttachment attachment, CniNetworkList network, String netns) {
        JsonNode prevResult = network.passesPrevResultOnDel() ? attachment.result() : null;
        List<ObjectNode> reversed = new ArrayList<>(network.plugins());
        Collections.reverse(reversed);
        for (ObjectNode plugin : reversed) {
            plugins.exec(op, "DEL", pluginConfig(network, plugin, prevResult, attachment.portMappings()),
                    invocation(attachment, netns, POD_INTERFACE));
        }
        plugins.exec(op, "DEL", LOOPBACK, invocation(attachment, netns, "lo"));
    }

    @Override
    public NetworkReadiness readiness() {
        try {
            Optional<CniNetworkList> network = CniNetworkList.loadFirst(confDir);
            if (network.isEmpty()) {
                return NetworkReadiness.notReady("no CNI network config (*.conflist, *.conf, *.json) in " + confDir);
            }
            requirePlugins(network.get());
            return NetworkReadiness.READY;
        } catch (BerthException e) {
            return NetworkReadiness.notReady(e.getMessage());
        }
    }

    /** Checks up front that every plugin exists, so a missing one fails before anything is made. */
    private void requirePlugins(CniNetworkList network) {
        try {
            network.plugins().forEach(p -> plugins.find(p.get("type").asText()));
            plugins.find(LOOPBACK.get("type").asText());
        } catch (BerthException e) {
            throw new BerthException(e.kind(), network.source() + ": " + e.getMessage(), e);
        }
    }

    private CniNetworkList currentNetwork(String op) {
        Optional<CniNetworkList> network;
        try {
            network = CniNetworkList.loadFirst(confDir);
        } catch (BerthException e) {
            throw new BerthException(e.kind(), op + ": " + e.getMessage(), e);
        }
        return network.orElseThrow(() -> new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                op + ": no CNI network config (*.conflist, *.conf, *.json) in " + confDir));
    }

    /**
     * The plugin's stdin (spec section 3, "deriving execution configuration"): its object from the list
     * plus the list's name and cniVersion, the previous result, and the runtime config it asked for.
     */
    private static ObjectNode pluginConfig(CniNetworkList network, ObjectNode plugin, JsonNode prevResult,
                                           List<PortMapping> mappings) {
        ObjectNode config = plugin.deepCopy();
        config.put("cniVersion", network.cniVersion());
        config.put("name", network.name());
        config.remove("prevResult");
        if (prevResult != null) {
            config.set("prevResult", prevResult);
        }
        if (plugin.path("capabilities").path("portMappings").asBoolean(false)) {
            ArrayNode ports = config.putObject("runtimeConfig").putArray("portMappings");
            for (PortMapping m : mappings) {
                ObjectNode port = ports.addObject().put("hostPort", m.hostPort()).put("containerPort", m.containerPort())
                        .put("protocol", m.protocol());
                if (!m.hostIp().isEmpty()) {
                    port.put("hostIP", m.hostIp());
                }
            }
        }
        return config;
    }

    private static CniPlugins.Invocation invocation(CniAttachment a, String netns, String ifName) {
        String args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + a.podNamespace() + ";K8S_POD_NAME=" + a.podName()
                + ";K8S_POD_INFRA_CONTAINER_ID=" + a.podId() + ";K8S_POD_UID=" + a.podUid();
        return new CniPlugins.Invocation(a.podId(), netns, ifName, args);
    }

    /** The pod-side addresses of the final result (host-side ones, such as a gateway's, are left out). */
    static NetworkStatus statusOf(JsonNode result) {
        JsonNode interfaces = result.path("interfaces");
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        for (JsonNode ip : result.path("ips")) {
            if (ip.has("interface") && interfaces.path(ip.get("interface").asInt()).path("sandbox").asText("").isEmpty()) {
                continue;
            }
            String address = ip.path("address").asText("");
            int slash = address.indexOf('/');
            String bare = slash < 0 ? address : address.substring(0, slash);
            if (!bare.isEmpty()) {
                (bare.contains(":") ? v6 : v4).add(bare);
            }
        }
        List<String> all = new ArrayList<>(v4);
        all.addAll(v6);
        return all.isEmpty() ? new NetworkStatus("", List.of()) : new NetworkStatus(all.get(0), all.subList(1, all.size()));
    }

    private static void checkIdentity(String op, PodNetworkRequest r) {
        checkPodId(op, r.podId());
        // ';' and '=' separate CNI_ARGS pairs: a value with them would forge other arguments.
        for (String value : new String[] {r.podName(), r.podNamespace(), r.podUid()}) {
            if (value != null && (value.indexOf(';') >= 0 || value.indexOf('=') >= 0)) {
                throw BerthException.invalid(op + ": pod name, namespace and uid must not contain ';' or '=': \"" + value + "\"");
            }
        }
    }

    private static void checkPodId(String op, String podId) {
        if (podId == null || !POD_ID.matcher(podId).matches()) {
            throw BerthException.invalid(op + ": pod id must be letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
    }

    /** Validates the mappings and drops those without a host port (CRI's "not published"); protocols in lower case. */
    static List<PortMapping> normalized(String op, List<PortMapping> mappings) {
        List<PortMapping> result = new ArrayList<>();
        for (PortMapping m : mappings) {
            String protocol = m.protocol() == null || m.protocol().isEmpty() ? "tcp" : m.protocol().toLowerCase(Locale.ROOT);
            String hostIp = nullToEmpty(m.hostIp());
            if (!PROTOCOLS.contains(protocol)) {
                throw BerthException.invalid(op + ": port mapping " + m + ": protocol must be tcp, udp or sctp");
            }
            if (m.containerPort() < 1 || m.containerPort() > 65535 || m.hostPort() < 0 || m.hostPort() > 65535) {
                throw BerthException.invalid(op + ": port mapping " + m + ": ports must be 1-65535 (host port 0: not published)");
            }
            if (!hostIp.isEmpty() && !isIpLiteral(hostIp)) {
                throw BerthException.invalid(op + ": port mapping " + m + ": host ip must be an IPv4 or IPv6 address");
            }
            if (m.hostPort() != 0) {
                result.add(new PortMapping(protocol, m.containerPort(), m.hostPort(), hostIp));
            }
        }
        return result;
    }

    /** A syntax check without name resolution (InetAddress.getByName would look a host name up). */
    private static boolean isIpLiteral(String s) {
        var v4 = IPV4.matcher(s);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        return IPV6.matcher(s).matches();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
