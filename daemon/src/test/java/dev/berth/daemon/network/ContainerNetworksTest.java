package dev.berth.daemon.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The networks' bookkeeping: conflists, names, subnets, ports; no plugin runs here (NetworkIT runs them). */
class ContainerNetworksTest {
    @TempDir
    Path tmp;
    private ContainerNetworks networks;

    @BeforeEach
    void setUp() {
        networks = new ContainerNetworks(tmp.resolve("networks"), List.of(tmp.resolve("no-plugins")),
                new NetnsManager(tmp.resolve("netns")));
        networks.ensureDefault();
    }

    @Test
    void theDefaultNetworkIsABridgeWithNatPortmapAndFirewallAndItsLeasesUnderRoot() throws Exception {
        JsonNode conf = OciJson.mapper().readTree(Files.readAllBytes(tmp.resolve("networks/berth.conflist")));
        JsonNode bridge = conf.get("plugins").get(0);
        assertEquals("bridge", bridge.get("type").asText());
        assertTrue(bridge.get("ipMasq").asBoolean() && bridge.get("isGateway").asBoolean());
        assertEquals(tmp.resolve("networks/ipam").toString(), bridge.at("/ipam/dataDir").asText());
        assertEquals("portmap", conf.get("plugins").get(1).get("type").asText());
        assertTrue(conf.get("plugins").get(1).at("/capabilities/portMappings").asBoolean());
        assertEquals("firewall", conf.get("plugins").get(2).get("type").asText());
        ContainerNetworks.NetworkInfo info = networks.inspect("berth");
        assertTrue(info.isDefault());
        assertEquals("berth", networks.networkOf("bridge").orElseThrow());
        assertTrue(networks.networkOf("none").isEmpty() && networks.networkOf("host").isEmpty());
    }

    @Test
    void userNetworksGetTheirOwnBridgeAndAFreeSubnetAndRefuseOverlaps() {
        ContainerNetworks.NetworkInfo a = networks.create("a", null, false);
        ContainerNetworks.NetworkInfo b = networks.create("b", "10.98.0.0/16", true);
        assertFalse(a.subnet().equals(networks.inspect("berth").subnet()));
        assertFalse(a.bridge().equals(networks.inspect("berth").bridge()));
        assertEquals("10.98.0.1", b.gateway());
        assertTrue(b.internal());
        assertEquals(List.of("a", "b", "berth"), networks.list().stream().map(ContainerNetworks.NetworkInfo::name).toList());
        BerthException overlap = assertThrows(BerthException.class, () -> networks.create("c", "10.98.4.0/24", false));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, overlap.kind());
        assertTrue(overlap.getMessage().contains("overlaps network b"), overlap.getMessage());
        assertEquals(BerthException.Kind.ALREADY_EXISTS,
                assertThrows(BerthException.class, () -> networks.create("a", null, false)).kind());
        assertFalse(Files.exists(tmp.resolve("networks/c.conflist")), "a refused create left its conflist");
    }

    @Test
    void badNamesSubnetsAndPortsAreRefusedBeforeAnythingIsMade() {
        for (String name : List.of("bridge", "host", "none", "../x", "", "-x")) {
            assertEquals(BerthException.Kind.INVALID_ARGUMENT,
                    assertThrows(BerthException.class, () -> networks.create(name, null, false)).kind(), name);
        }
        for (String subnet : List.of("10.1.2.3/24", "10.1.0.0", "300.1.0.0/16", "10.0.0.0/31", "fe80::/64")) {
            BerthException e = assertThrows(BerthException.class, () -> networks.create("n", subnet, false));
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind(), subnet);
        }
        assertEquals(List.of("berth"), networks.list().stream().map(ContainerNetworks.NetworkInfo::name).toList());
        assertEquals(BerthException.Kind.NOT_FOUND,
                assertThrows(BerthException.class, () -> networks.networkOf("missing")).kind());
        String op = "create container x";
        assertThrows(BerthException.class, () -> networks.checkPorts(op, null,
                List.of(new PortMapping("tcp", 80, 8080, ""))));
        assertThrows(BerthException.class, () -> networks.checkPorts(op, "berth",
                List.of(new PortMapping("tcp", 80, 8080, ""), new PortMapping("TCP", 81, 8080, ""))));
        assertThrows(BerthException.class, () -> networks.checkPorts(op, "berth",
                List.of(new PortMapping("tcp", 80, 0, ""))));
        assertEquals(List.of(new PortMapping("udp", 53, 5353, "127.0.0.1")), networks.checkPorts(op, "berth",
                List.of(new PortMapping("UDP", 53, 5353, "127.0.0.1"))));
    }

    @Test
    void removeAndPruneKeepTheDefaultNetwork() {
        networks.create("a", null, false);
        networks.create("b", null, false);
        networks.remove("a");
        assertFalse(Files.exists(tmp.resolve("networks/a.conflist")));
        assertEquals(BerthException.Kind.NOT_FOUND, assertThrows(BerthException.class, () -> networks.remove("a")).kind());
        BerthException keep = assertThrows(BerthException.class, () -> networks.remove("berth"));
        assertTrue(keep.getMessage().contains("default network cannot be removed"), keep.getMessage());
        assertEquals(List.of("b"), networks.prune());
        assertEquals(List.of("berth"), networks.list().stream().map(ContainerNetworks.NetworkInfo::name).toList());
    }

    @Test
    void withoutThePluginsContainersDefaultToNoNetwork() {
        assertEquals("none", networks.defaultMode());
    }
}
