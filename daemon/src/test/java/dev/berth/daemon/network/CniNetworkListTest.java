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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config loading and result reading, which need neither root nor plugins. */
class CniNetworkListTest {
    static final Path SHIPPED_CONFIG = Path.of("../contrib/cni/10-berth-bridge.conflist");

    @TempDir
    Path tmp;

    @Test
    void theShippedConfigIsValid() {
        CniNetworkList shipped = CniNetworkList.load(SHIPPED_CONFIG);
        assertEquals("berth", shipped.name());
        assertEquals("1.0.0", shipped.cniVersion());
        assertEquals(List.of("bridge", "portmap"), shipped.plugins().stream().map(p -> p.get("type").asText()).toList());
        JsonNode bridge = shipped.plugins().get(0);
        assertEquals("berth0", bridge.get("bridge").asText());
        assertTrue(bridge.get("isGateway").asBoolean() && bridge.get("ipMasq").asBoolean()
                && bridge.get("hairpinMode").asBoolean());
        assertEquals("10.88.0.0/16", bridge.at("/ipam/ranges/0/0/subnet").asText());
        assertEquals("0.0.0.0/0", bridge.at("/ipam/routes/0/dst").asText());
        assertTrue(bridge.at("/ipam/dataDir").asText().startsWith("/var/lib/cni/"));
        assertTrue(shipped.plugins().get(1).at("/capabilities/portMappings").asBoolean());
    }

    @Test
    void noConfigDirOrNoConfigIsEmptyAndOtherFilesAreIgnored() throws Exception {
        assertTrue(CniNetworkList.loadFirst(tmp.resolve("absent")).isEmpty());
        Files.writeString(tmp.resolve("README"), "not a config");
        Files.writeString(tmp.resolve("99-old.conflist.bak"), "{}");
        assertTrue(CniNetworkList.loadFirst(tmp).isEmpty());
    }

    @Test
    void invalidListsNameTheFileAndTheProblem() throws Exception {
        assertInvalid("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": []}", "\"plugins\" must be a non-empty array");
        assertInvalid("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"bridge\": \"x\"}]}",
                "plugins[0]: \"type\" must be a non-empty string");
        assertInvalid("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": \"../../bin/sh\"}]}",
                "must not contain '/'");
        assertInvalid("{\"name\": \"n\", \"plugins\": [{\"type\": \"bridge\"}]}", "\"cniVersion\" must be a non-empty string");
        assertInvalid("{\"cniVersion\": \"1.0.0\", \"plugins\": [{\"type\": \"bridge\"}]}", "\"name\" must be a non-empty string");
        assertInvalid("[1, 2]", "expected a JSON object");
        assertInvalid("{\"cniVersion\": \"1.0.0\"} trailing", "malformed JSON");
    }

    private void assertInvalid(String content, String problem) throws Exception {
        Path file = Files.writeString(tmp.resolve("10-bad.conflist"), content);
        BerthException e = assertThrows(BerthException.class, () -> CniNetworkList.loadFirst(tmp));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("load CNI config " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void aSingleConfBecomesAOnePluginList() throws Exception {
        Files.writeString(tmp.resolve("10-one.conf"), "{\"cniVersion\": \"0.4.0\", \"name\": \"one\", \"type\": \"ptp\"}");
        CniNetworkList list = CniNetworkList.loadFirst(tmp).orElseThrow();
        assertEquals("one", list.name());
        assertEquals("0.4.0", list.cniVersion());
        assertEquals("ptp", list.plugins().get(0).get("type").asText());
        assertTrue(list.passesPrevResultOnDel());
        Files.writeString(tmp.resolve("05-old.json"), "{\"cniVersion\": \"0.3.1\", \"name\": \"old\", \"type\": \"ptp\"}");
        assertFalse(CniNetworkList.loadFirst(tmp).orElseThrow().passesPrevResultOnDel(), "spec 0.3.x has no prevResult on DEL");
    }

    @Test
    void theStatusHasThePodSideAddressesIPv4First() throws Exception {
        JsonNode result = OciJson.mapper().readTree("""
                {"cniVersion": "1.0.0",
                 "interfaces": [{"name": "cni0"}, {"name": "veth1"}, {"name": "eth0", "sandbox": "/run/netns/x"}],
                 "ips": [{"address": "fd00::5/64", "interface": 2}, {"address": "10.0.0.1/24", "interface": 0},
                         {"address": "10.0.0.5/24", "interface": 2}]}
                """);
        assertEquals(new NetworkStatus("10.0.0.5", List.of("fd00::5")), CniNetwork.statusOf(result));
        assertEquals(new NetworkStatus("", List.of()), CniNetwork.statusOf(OciJson.mapper().readTree("{}")));
    }
}
