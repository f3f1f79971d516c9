package dev.berth.daemon.container;

import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.network.ContainerNetworks;
import dev.berth.daemon.network.PortMapping;
import dev.berth.daemon.store.ContainerRecord;
import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.ImageConfig;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The network step of a REST/CLI container (one whose request names a network mode: bridge, none, host or a
 * network's name): its network namespace joined to a {@link ContainerNetworks} network, and its /etc/hosts,
 * /etc/hostname and /etc/resolv.conf. CRI containers (no mode) get their network and files from their pod.
 *
 * <p>Containers on a user network find each other by name through /etc/hosts: when one joins or leaves,
 * the hosts file of every other container on that network is written again, in place, since a running
 * container's bind mount holds on to the file's inode (a rename would leave it the old file).
 */
final class NetworkSetup {
    private static final System.Logger LOG = System.getLogger(NetworkSetup.class.getName());
    private static final Pattern LOOPBACK_NAMESERVER = Pattern.compile("\\s*nameserver\\s+(127\\.\\S*|::1)\\s*");
    /** Podman's fallback when the host's only nameservers are on its loopback, out of a container's reach. */
    private static final List<String> FALLBACK_NAMESERVERS = List.of("8.8.8.8", "8.8.4.4");
    private static final Path HOST_HOSTS = Path.of("/etc/hosts");
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    /** What the create step decided: the container's config with its namespace to join, its network, its ports. */
    record Plan(ContainerCreate config, Optional<String> network, List<PortMapping> ports) {
    }

    private final ContainerNetworks networks;
    private final Function<String, ContainerPaths> paths;
    private final Object hostsFiles = new Object();

    /** @param paths where a container's files live, by id (the peers' hosts files are rewritten there) */
    NetworkSetup(ContainerNetworks networks, Function<String, ContainerPaths> paths) {
        this.networks = networks;
        this.paths = paths;
    }

    /**
     * Checks the mode and ports before anything is made; a bridge container is given the namespace it will join.
     * {@code image} gives the EXPOSEd ports for {@link PublishedPorts#publishAll} (null without it).
     */
    Plan plan(ContainerCreate request, String id, PublishedPorts published, ImageConfig image) {
        String op = "create container " + id;
        List<PortMapping> ports = published.publishAll() ? withExposed(op, published.ports(), image)
                : published.ports();
        if (request.network() == null) {
            if (!ports.isEmpty()) {
                throw BerthException.invalid(op + ": ports can be published only on a bridge network");
            }
            return new Plan(request, Optional.empty(), List.of());
        }
        Optional<String> network;
        try {
            network = networks.networkOf(request.network());
        } catch (BerthException e) {
            throw new BerthException(e.kind(), op + ": " + e.getMessage(), e);
        }
        List<PortMapping> checked = networks.checkPorts(op, network.orElse(null), ports);
        if (network.isEmpty()) {
            return new Plan(request, network, checked);
        }
        ContainerCreate.LinuxOptions l = request.linux();
        Map<String, String> join = new HashMap<>(l == null || l.joinNamespaces() == null ? Map.of() : l.joinNamespaces());
        join.put("network", networks.netnsPath(id).toString());
        ContainerCreate.LinuxOptions linux = l == null
                ? new ContainerCreate.LinuxOptions(join, null, hostnameOf(id, null), null, null, null, null, null, null,
                        null, null, null, null, null)
                : new ContainerCreate.LinuxOptions(join, l.hostNamespaces(), l.hostname(), l.sysctls(), l.security(),
                        l.mounts(), l.devices(), l.cgroupParent(), l.cpuShares(), l.cpuQuota(), l.cpuPeriod(),
                        l.cpusetCpus(), l.cpusetMems(), l.oomScoreAdj());
        return new Plan(request.withLinux(linux), network, checked);
    }

    /** Joins the container to its network and writes its /etc files; what it made is undone by {@link #release}. */
    void attach(ContainerRecord record, Plan plan) {
        if (record.config().network() == null) {
            return;
        }
        ContainerPaths files = paths.apply(record.id());
        Optional<ContainerNetworks.Attachment> attached = plan.network()
                .map(n -> networks.attach(record.id(), record.name(), n, plan.ports()));
        try {
            Files.writeString(files.hostname(), hostnameOf(record) + "\n");
            Files.writeString(files.resolvConf(), resolvConf(record.id(), "host".equals(record.config().network())));
        } catch (IOException e) {
            throw BerthException.internal("create container " + record.id() + ": write its /etc files: " + e, e);
        }
        synchronized (hostsFiles) {
            writeHosts(record.id(), record.name(), hostnameOf(record), record.config().network(), files.hosts(),
                    attached);
        }
        attached.ifPresent(a -> refreshPeers(a.network(), record.id()));
    }

    /** The ports asked for, plus each EXPOSEd port none of them maps, on a host port the kernel says is free. */
    private List<PortMapping> withExposed(String op, List<PortMapping> asked, ImageConfig image) {
        Map<String, Map<String, Object>> exposed = image.config() == null || image.config().exposedPorts() == null
                ? Map.of() : image.config().exposedPorts();
        List<PortMapping> ports = new ArrayList<>(asked);
        for (String spec : new TreeSet<>(exposed.keySet())) {
            String[] parts = spec.split("/", 2);
            String protocol = parts.length == 2 ? parts[1].toLowerCase(Locale.ROOT) : "tcp";
            int containerPort;
            try {
                containerPort = Integer.parseInt(parts[0]);
            } catch (NumberFormatException e) {
                throw BerthException.invalid(op + ": the image EXPOSEs '" + spec + "', not a PORT[/PROTOCOL]");
            }
            boolean mapped = asked.stream().anyMatch(p -> p.containerPort() == containerPort
                    && protocol.equalsIgnoreCase(p.protocol() == null || p.protocol().isEmpty() ? "tcp" : p.protocol()));
            if (!mapped) {
                ports.add(new PortMapping(protocol, containerPort, networks.freeHostPort(op, protocol), ""));
            }
        }
        return ports;
    }

    /** Before a start: a container whose namespace went with a reboot gets a new one on the same network. */
    void ensureAttached(ContainerRecord record) {
        if (record.config().network() != null) {
            networks.reattachIfGone(record.id());
        }
    }

    /** After a rename: the container's own hosts file and its peers' know it by its new name. */
    void renamed(ContainerRecord record) {
        if (record.config().network() == null) {
            return;
        }
        networks.rename(record.id(), record.name());
        Optional<ContainerNetworks.Attachment> attached = networks.attachment(record.id());
        synchronized (hostsFiles) {
            writeHosts(record.id(), record.name(), hostnameOf(record), record.config().network(),
                    paths.apply(record.id()).hosts(), attached);
        }
        attached.ifPresent(a -> refreshPeers(a.network(), record.id()));
    }

    /** Disconnects the container, if it was connected; the other containers on its network forget its name. */
    void release(String id) {
        Optional<ContainerNetworks.Attachment> attached = networks.attachment(id);
        networks.detach(id);
        attached.ifPresent(a -> refreshPeers(a.network(), id));
    }

    String defaultMode() {
        return networks.defaultMode();
    }

    /** The container's network attachment, for inspect and `berth port`. */
    Optional<ContainerNetworks.Attachment> attachment(String id) {
        return networks.attachment(id);
    }

    /** Rewrites the hosts file of every container on {@code network} but {@code changed}; a failure is logged. */
    private void refreshPeers(String network, String changed) {
        if (ContainerNetworks.DEFAULT_NETWORK.equals(network)) {
            return;
        }
        synchronized (hostsFiles) {
            for (ContainerNetworks.Attachment peer : networks.attachmentsOn(network)) {
                if (peer.containerId().equals(changed)) {
                    continue;
                }
                ContainerPaths p = paths.apply(peer.containerId());
                try {
                    String hostname = Files.readString(p.hostname()).strip();
                    writeHosts(peer.containerId(), peer.containerName(), hostname, network, p.hosts(), Optional.of(peer));
                } catch (IOException | BerthException e) {
                    LOG.log(Level.WARNING, "container {0}: /etc/hosts not updated for its network {1}: {2}",
                            peer.containerId(), network, e.getMessage());
                }
            }
        }
    }

    private void writeHosts(String id, String name, String hostname, String mode, Path file,
                            Optional<ContainerNetworks.Attachment> attached) {
        StringBuilder hosts = new StringBuilder();
        if ("host".equals(mode)) {
            try {
                hosts.append(Files.readString(HOST_HOSTS));
            } catch (IOException e) {
                LOG.log(Level.WARNING, "container {0}: the host's {1} is unreadable, its own is used: {2}", id,
                        HOST_HOSTS, e.getMessage());
            }
        }
        if (hosts.length() > 0 && hosts.charAt(hosts.length() - 1) != '\n') {
            hosts.append('\n');
        }
        if (hosts.isEmpty()) {
            hosts.append("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        }
        String own = attached.map(ContainerNetworks.Attachment::ip).filter(ip -> !ip.isEmpty()).orElse("127.0.0.1");
        hosts.append(own).append('\t').append(hostname).append(hostname.equals(name) ? "" : " " + name).append('\n');
        if (attached.isPresent() && !ContainerNetworks.DEFAULT_NETWORK.equals(attached.get().network())) {
            for (ContainerNetworks.Attachment peer : networks.attachmentsOn(attached.get().network())) {
                if (!peer.containerId().equals(id) && !peer.ip().isEmpty()) {
                    hosts.append(peer.ip()).append('\t').append(peer.containerName()).append('\n');
                }
            }
        }
        try {
            Files.writeString(file, hosts.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw BerthException.internal("container " + id + ": write " + file + ": " + e, e);
        }
    }

    /**
     * The host's resolv.conf; in the container's own network namespace without its loopback nameservers
     * (127.0.0.53 of systemd-resolved answers only on the host's loopback), and Podman's fallback if none is left.
     */
    private static String resolvConf(String id, boolean hostNetwork) {
        List<String> lines;
        try {
            lines = Files.exists(HOST_RESOLV_CONF) ? Files.readAllLines(HOST_RESOLV_CONF) : List.of();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "container {0}: the host''s {1} is unreadable: {2}", id, HOST_RESOLV_CONF, e.getMessage());
            lines = List.of();
        }
        if (!hostNetwork) {
            lines = lines.stream().filter(l -> !LOOPBACK_NAMESERVER.matcher(l).matches()).toList();
        }
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> out.append(l).append('\n'));
        if (lines.stream().noneMatch(l -> l.strip().startsWith("nameserver"))) {
            FALLBACK_NAMESERVERS.forEach(ns -> out.append("nameserver ").append(ns).append('\n'));
        }
        return out.toString();
    }

    private static String hostnameOf(ContainerRecord record) {
        ContainerCreate.LinuxOptions l = record.config().linux();
        return hostnameOf(record.id(), l == null ? null : l.hostname());
    }

    /** The UTS name BundleWriter gives the container: its own, or its short id. */
    private static String hostnameOf(String id, String asked) {
        return asked != null && !asked.isEmpty() ? asked : id.substring(0, 12);
    }
}
