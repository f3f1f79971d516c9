package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.image.OverlayRootfs;
import dev.berth.image.PrivateDirs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The named bridge networks of REST/CLI containers, as rootful Podman has them: one CNI conflist per network
 * in {@code <dir>/<name>.conflist} (bridge with host-local IPAM, portmap, firewall; outbound NAT unless
 * internal), the IPAM leases in {@code <dir>/ipam}, and each attached container's CNI ADD in
 * {@code <dir>/attachments} (for its DEL after a restart). Each container gets a pinned network namespace
 * of its own ({@link NetnsManager}) for as long as it exists; its IP and port mappings live as long.
 *
 * <p>Thread-safe: attaching takes a shared lock, so a network cannot be removed while a container joins it;
 * creating and removing networks take it exclusively. Calls for the same container must be serialized by
 * the caller.
 */
public final class ContainerNetworks {
    private static final System.Logger LOG = System.getLogger(ContainerNetworks.class.getName());
    /** The default network: `--network bridge`, and a container's network when none is asked for. */
    public static final String DEFAULT_NETWORK = "berth";
    /** Modes that are not networks, so no network may take their names. */
    public static final Set<String> MODES = Set.of("bridge", "none", "host");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
    private static final String CONFLIST = ".conflist";
    private static final String BRIDGE_PREFIX = "berth";
    private static final String DEFAULT_BRIDGE = BRIDGE_PREFIX + "0";
    /** Networks without --subnet get 10.90.N.0/24, the first N no network and no host route uses. */
    private static final int AUTO_SUBNET_BASE = (10 << 24) | (90 << 16);

    /** What `network ls` and `network inspect` show of a network. */
    public record NetworkInfo(String name, String driver, String bridge, String subnet, String gateway,
                              boolean internal, boolean isDefault, Instant createdAt, List<String> containers) {
    }

    /** One container on a network: its address there and the host ports forwarded to it. */
    public record Attachment(String containerId, String containerName, String network, String ip,
                             List<PortMapping> ports) {
    }

    private final Path dir;
    private final List<Path> binDirs;
    private final CniPlugins plugins;
    private final CniNetwork cni;
    private final CniAttachmentCache attachments;
    private final NetnsManager netns;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /**
     * @param dir     Berth's own network dir (ROOT/networks); created
     * @param binDirs CNI plugin directories, searched in order
     * @param netns   where the containers' namespaces are pinned (shared with pods: names do not collide)
     */
    public ContainerNetworks(Path dir, List<Path> binDirs, NetnsManager netns) {
        this.dir = dir;
        try {
            PrivateDirs.ensure(dir);
        } catch (IOException e) {
            throw BerthException.internal("create network dir " + dir + ": " + e, e);
        }
        this.binDirs = List.copyOf(binDirs);
        this.plugins = new CniPlugins(binDirs);
        this.cni = new CniNetwork(dir, binDirs, dir.resolve("attachments"));
        this.attachments = new CniAttachmentCache(dir.resolve("attachments"));
        this.netns = netns;
    }

    /** Writes the default network's conflist if it is not there yet (first start, or removed by hand). */
    public void ensureDefault() {
        lock.writeLock().lock();
        try {
            if (!Files.exists(conflist(DEFAULT_NETWORK))) {
                // A bridge0 left by an earlier root keeps its address, which the bridge plugin insists on.
                write(DEFAULT_NETWORK, DEFAULT_BRIDGE, freeSubnet("create network " + DEFAULT_NETWORK, DEFAULT_BRIDGE),
                        false);
                LOG.log(Level.INFO, "network {0}: default bridge network created", DEFAULT_NETWORK);
            }
            List<String> missing = missingPlugins();
            if (!missing.isEmpty()) {
                LOG.log(Level.WARNING, "networks: CNI plugins {0} not found in {1}: containers get network none unless"
                        + " they ask for one (install containernetworking-plugins for bridge networks)", missing, binDirs);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The mode of a container that asks for none: bridge, or none on a host without the CNI plugins a bridge
     * network needs (warned once at start by {@link #ensureDefault}), so that containers still run there.
     */
    public String defaultMode() {
        return missingPlugins().isEmpty() ? "bridge" : "none";
    }

    private List<String> missingPlugins() {
        List<String> missing = new ArrayList<>();
        for (String type : List.of("loopback", "bridge", "host-local", "portmap", "firewall")) {
            try {
                plugins.find(type);
            } catch (BerthException e) {
                missing.add(type);
            }
        }
        return missing;
    }

    /** {@code mode} as a network name: bridge is the default network; none and host are no network (empty). */
    public Optional<String> networkOf(String mode) {
        if ("none".equals(mode) || "host".equals(mode)) {
            return Optional.empty();
        }
        String name = "bridge".equals(mode) ? DEFAULT_NETWORK : mode;
        if (!Files.exists(conflist(checkName("use network", name)))) {
            throw BerthException.notFound("no such network: " + name);
        }
        return Optional.of(name);
    }

    /** @param subnet an IPv4 CIDR, or null to pick a free 10.90.N.0/24 */
    public NetworkInfo create(String name, String subnet, boolean internal) {
        String op = "create network " + name;
        checkName(op, name);
        if (MODES.contains(name)) {
            throw BerthException.invalid(op + ": '" + name + "' is a network mode, not a name a network can take");
        }
        lock.writeLock().lock();
        try {
            if (Files.exists(conflist(name))) {
                throw new BerthException(BerthException.Kind.ALREADY_EXISTS, op + ": a network with that name exists");
            }
            int[] range = subnet == null ? freeSubnet(op, null) : parseSubnet(op, subnet);
            for (NetworkInfo other : listLocked()) {
                int[] used = parseSubnet(op, other.subnet());
                if (overlaps(range, used)) {
                    throw BerthException.conflict(op + ": subnet " + format(range) + " overlaps network "
                            + other.name() + "'s " + other.subnet());
                }
            }
            write(name, freeBridge(), range, internal);
            LOG.log(Level.INFO, "network {0}: created, subnet {1}{2}", name, format(range), internal ? ", internal" : "");
            return info(name);
        } finally {
            lock.writeLock().unlock();
        }
    }

    public List<NetworkInfo> list() {
        lock.readLock().lock();
        try {
            return listLocked();
        } finally {
            lock.readLock().unlock();
        }
    }

    public NetworkInfo inspect(String name) {
        checkName("inspect network", name);
        lock.readLock().lock();
        try {
            if (!Files.exists(conflist(name))) {
                throw BerthException.notFound("no such network: " + name);
            }
            return info(name);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Removes a network no container is on; the default network stays. */
    public void remove(String name) {
        String op = "remove network " + name;
        checkName(op, name);
        lock.writeLock().lock();
        try {
            if (!Files.exists(conflist(name))) {
                throw BerthException.notFound("no such network: " + name);
            }
            removeLocked(op, name);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every network but the default that no container is on; returns their names. */
    public List<String> prune() {
        lock.writeLock().lock();
        try {
            List<String> removed = new ArrayList<>();
            for (NetworkInfo n : listLocked()) {
                if (!n.isDefault() && n.containers().isEmpty()) {
                    removeLocked("prune network " + n.name(), n.name());
                    removed.add(n.name());
                }
            }
            return removed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void removeLocked(String op, String name) {
        if (DEFAULT_NETWORK.equals(name)) {
            throw BerthException.conflict(op + ": the default network cannot be removed");
        }
        List<String> users = attachmentsOn(name).stream().map(Attachment::containerName).toList();
        if (!users.isEmpty()) {
            throw BerthException.conflict(op + ": containers are on it: " + String.join(", ", users)
                    + "; remove them first");
        }
        String bridge = info(name).bridge();
        try {
            Files.deleteIfExists(conflist(name));
            // host-local keeps its leases per network name: a later network of that name starts afresh.
            deleteTree(dir.resolve("ipam").resolve(name));
        } catch (IOException e) {
            throw BerthException.internal(op + ": " + e, e);
        }
        deleteBridge(op, bridge);
        LOG.log(Level.INFO, "network {0}: removed", name);
    }

    /** The bridge plugin makes the bridge but never deletes it: without its network it would linger. */
    private static void deleteBridge(String op, String bridge) {
        if (bridge.isEmpty() || !Files.exists(Path.of("/sys/class/net", bridge))) {
            return;
        }
        try {
            Process p = new ProcessBuilder("ip", "link", "delete", bridge, "type", "bridge").redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                LOG.log(Level.WARNING, "{0}: ip link delete {1} failed: {2}", op, bridge, out);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "{0}: cannot run ip to delete bridge {1}: {2}", op, bridge, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted", e);
        }
    }

    /** Checks port mappings before anything is made; returns them normalized (lower-case protocol, host port set). */
    public List<PortMapping> checkPorts(String op, String network, List<PortMapping> ports) {
        List<PortMapping> normalized = CniNetwork.normalized(op, ports);
        if (normalized.size() != ports.size()) {
            throw BerthException.invalid(op + ": a published port needs a host port (1-65535)");
        }
        if (!normalized.isEmpty() && network == null) {
            throw BerthException.invalid(op + ": ports can be published only on a bridge network, not with network"
                    + " none or host");
        }
        Set<String> seen = new HashSet<>();
        for (PortMapping p : normalized) {
            if (!seen.add(p.protocol() + "/" + p.hostPort())) {
                throw BerthException.invalid(op + ": host port " + p.hostPort() + "/" + p.protocol()
                        + " is published twice");
            }
        }
        return normalized;
    }

    /**
     * Connects a new container: pins a network namespace for it and runs the network's plugins; on failure
     * nothing is left. Fails with CONFLICT if another container already publishes one of its host ports.
     */
    public Attachment attach(String containerId, String containerName, String network, List<PortMapping> ports) {
        String op = "attach container " + containerId + " to network " + network;
        lock.readLock().lock();
        try {
            if (!Files.exists(conflist(network))) {
                throw BerthException.notFound(op + ": no such network");
            }
            checkPortsFree(op, ports);
            Path ns = netns.create(netnsName(containerId));
            try {
                NetworkStatus status = cni.attach(op, new PodNetworkRequest(containerId, containerName, "", "", ns,
                        ports), conflist(network));
                return new Attachment(containerId, containerName, network, status.ip(), ports);
            } catch (RuntimeException e) {
                try {
                    netns.remove(ns);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** portmap does not check that a host port is free: two containers on one port would silently share it. */
    private void checkPortsFree(String op, List<PortMapping> ports) {
        for (Attachment other : allAttachments()) {
            for (PortMapping mine : ports) {
                for (PortMapping theirs : other.ports()) {
                    boolean sameAddress = mine.hostIp().isEmpty() || theirs.hostIp().isEmpty()
                            || mine.hostIp().equals(theirs.hostIp());
                    if (mine.hostPort() == theirs.hostPort() && mine.protocol().equals(theirs.protocol()) && sameAddress) {
                        throw BerthException.conflict(op + ": host port " + mine.hostPort() + "/" + mine.protocol()
                                + " is already published by container " + other.containerName());
                    }
                }
            }
        }
    }

    /**
     * A host port no socket uses now, for {@code -P}: the kernel's pick of an ephemeral one. A port another
     * container publishes holds no socket (portmap forwards it); {@link #attach} then refuses the clash.
     */
    public int freeHostPort(String op, String protocol) {
        try {
            if ("udp".equals(protocol)) {
                try (DatagramSocket s = new DatagramSocket(0)) {
                    return s.getLocalPort();
                }
            }
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        } catch (IOException e) {
            throw BerthException.internal(op + ": find a free host port: " + e, e);
        }
    }

    /** The pinned namespace of a container, whether or not it exists yet. */
    public Path netnsPath(String containerId) {
        return netns.dir().resolve(netnsName(containerId));
    }

    /**
     * Disconnects a container and removes its namespace: CNI DEL releases its IP, port mappings and firewall
     * rules. Idempotent, so a removal that a crash interrupted finishes on its retry.
     */
    public void detach(String containerId) {
        cni.detach(new PodNetworkRequest(containerId, null, null, null, null, List.of()));
        Path ns = netnsPath(containerId);
        if (Files.exists(ns)) {
            netns.remove(ns);
        }
    }

    /**
     * Connects a container whose namespace is gone again (after a reboot /run is empty): the old lease and
     * rules are released, then it gets a new namespace with the same network and ports.
     */
    public void reattachIfGone(String containerId) {
        Optional<CniAttachment> cached = attachments.load(containerId);
        if (cached.isEmpty() || OverlayRootfs.isMounted(netnsPath(containerId))) {
            return;
        }
        CniAttachment old = cached.get();
        detach(containerId);
        attach(containerId, old.podName(), old.network().get("name").asText(), old.portMappings());
    }

    /** A renamed container is known to its peers by the new name (the plugins' DEL does not use it). */
    public void rename(String containerId, String newName) {
        attachments.load(containerId).ifPresent(a -> attachments.save(a.withPodName(newName)));
    }

    public Optional<Attachment> attachment(String containerId) {
        return attachments.load(containerId).map(ContainerNetworks::toAttachment);
    }

    /** The containers on {@code network}, for their /etc/hosts. */
    public List<Attachment> attachmentsOn(String network) {
        return allAttachments().stream().filter(a -> a.network().equals(network)).toList();
    }

    private List<Attachment> allAttachments() {
        return attachments.list().stream().map(ContainerNetworks::toAttachment).toList();
    }

    private static Attachment toAttachment(CniAttachment a) {
        String ip = a.result() == null ? "" : CniNetwork.statusOf(a.result()).ip();
        return new Attachment(a.podId(), a.podName(), a.network().get("name").asText(), ip, a.portMappings());
    }

    private static String netnsName(String containerId) {
        return "ctr-" + containerId.substring(0, 16);
    }

    private List<NetworkInfo> listLocked() {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(CONFLIST))
                    .map(n -> n.substring(0, n.length() - CONFLIST.length())).sorted().toList();
            List<NetworkInfo> out = new ArrayList<>();
            for (String name : names) {
                out.add(info(name));
            }
            return out;
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw BerthException.internal("list networks in " + dir + ": " + e, e);
        }
    }

    private NetworkInfo info(String name) {
        JsonNode list = CniNetworkList.load(conflist(name)).json();
        JsonNode bridge = list.path("plugins").path(0);
        JsonNode range = bridge.path("ipam").path("ranges").path(0).path(0);
        List<String> containers = attachmentsOn(name).stream().map(Attachment::containerName).sorted().toList();
        return new NetworkInfo(name, "bridge", bridge.path("bridge").asText(), range.path("subnet").asText(),
                range.path("gateway").asText(), !bridge.path("ipMasq").asBoolean(false), DEFAULT_NETWORK.equals(name),
                Instant.parse(list.path("berth").path("createdAt").asText(Instant.EPOCH.toString())), containers);
    }

    /**
     * The conflist, as rootful Podman's CNI networks are made: the bridge is the gateway and masquerades
     * outbound traffic unless internal (then containers reach only each other); portmap publishes ports,
     * with SNAT so a container can reach its own published port; firewall opens the FORWARD chain for it.
     */
    private void write(String name, String bridgeName, int[] range, boolean internal) {
        ObjectNode list = OciJson.mapper().createObjectNode().put("cniVersion", "1.0.0").put("name", name);
        list.putObject("berth").put("createdAt", Instant.now().toString());
        ArrayNode plugins = list.putArray("plugins");
        ObjectNode bridge = plugins.addObject().put("type", "bridge").put("bridge", bridgeName)
                .put("isGateway", !internal).put("ipMasq", !internal).put("hairpinMode", true);
        ObjectNode ipam = bridge.putObject("ipam").put("type", "host-local")
                .put("dataDir", dir.resolve("ipam").toString());
        ipam.putArray("ranges").addArray().addObject().put("subnet", format(range))
                .put("gateway", ipString(range[0] + 1));
        ArrayNode routes = ipam.putArray("routes");
        if (!internal) {
            routes.addObject().put("dst", "0.0.0.0/0");
        }
        plugins.addObject().put("type", "portmap").put("snat", true).putObject("capabilities").put("portMappings", true);
        plugins.addObject().put("type", "firewall").put("backend", "iptables");
        OciJson.writeAtomically(conflist(name), OciJson.toPrettyBytes(list));
    }

    private String freeBridge() {
        Set<String> used = new HashSet<>();
        for (NetworkInfo n : listLocked()) {
            used.add(n.bridge());
        }
        for (int i = 1; ; i++) {
            String candidate = BRIDGE_PREFIX + i;
            if (!used.contains(candidate) && !Files.exists(Path.of("/sys/class/net", candidate))) {
                return candidate;
            }
        }
    }

    /**
     * The first 10.90.N.0/24 that neither a network of ours nor a host route (another bridge, a VPN) uses; the
     * routes of {@code bridge} (null: none) do not count, as the network will take that bridge over.
     */
    private int[] freeSubnet(String op, String bridge) {
        List<int[]> used = new ArrayList<>(hostRoutes(bridge));
        for (NetworkInfo n : listLocked()) {
            used.add(parseSubnet(op, n.subnet()));
        }
        for (int n = 0; n < 256; n++) {
            int[] candidate = {AUTO_SUBNET_BASE | (n << 8), 24};
            if (used.stream().noneMatch(u -> overlaps(candidate, u))) {
                return candidate;
            }
        }
        throw new BerthException(BerthException.Kind.FAILED_PRECONDITION, op + ": no free subnet left in 10.90.0.0/16;"
                + " give one with --subnet");
    }

    /** IPv4 routes of the host but the default one and those of {@code except}, from /proc/net/route (hex, little-endian). */
    private static List<int[]> hostRoutes(String except) {
        List<int[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8 || f[0].equals(except)) {
                    continue;
                }
                int destination = Integer.reverseBytes((int) Long.parseLong(f[1], 16));
                int mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16));
                if (mask != 0) {
                    out.add(new int[] {destination, Integer.bitCount(mask)});
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(Level.WARNING, "networks: cannot read the host's routes, subnets are picked without them: {0}", e.toString());
        }
        return out;
    }

    private static int[] parseSubnet(String op, String cidr) {
        Matcher m = CIDR.matcher(cidr == null ? "" : cidr);
        if (!m.matches()) {
            throw BerthException.invalid(op + ": subnet '" + cidr + "' is not an IPv4 CIDR such as 10.91.0.0/24");
        }
        int address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw BerthException.invalid(op + ": subnet '" + cidr + "' is not an IPv4 CIDR such as 10.91.0.0/24");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix < 8 || prefix > 30) {
            throw BerthException.invalid(op + ": subnet '" + cidr + "': the prefix length must be 8 to 30");
        }
        if ((address & ~mask(prefix)) != 0) {
            throw BerthException.invalid(op + ": subnet '" + cidr + "' has host bits set; did you mean "
                    + format(new int[] {address & mask(prefix), prefix}) + "?");
        }
        return new int[] {address, prefix};
    }

    private static boolean overlaps(int[] a, int[] b) {
        int shorter = mask(Math.min(a[1], b[1]));
        return (a[0] & shorter) == (b[0] & shorter);
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static String format(int[] range) {
        return ipString(range[0]) + "/" + range[1];
    }

    private static String ipString(int ip) {
        return (ip >>> 24) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255);
    }

    private Path conflist(String name) {
        return dir.resolve(name + CONFLIST);
    }

    private static String checkName(String op, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw BerthException.invalid(op + ": network name must be 1-64 letters, digits, '_', '.' or '-',"
                    + " starting with a letter or digit");
        }
        return name;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }
}
