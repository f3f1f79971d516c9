package dev.berth.image;

import dev.berth.image.registry.RegistriesConfig;
import dev.berth.oci.BerthException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.berth.image.OciLayoutWriter.Entry.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Registries that are not on loopback need TLS: a self-signed https docker-registry works once the
 * registries config marks it insecure, fails with a TLS error naming it otherwise; an insecure registry
 * that speaks plain http is reached over http. The registries listen on this host's default-route address
 * (loopback ones are plain http by rule); skipped with a reason without one, or without openssl.
 */
class TlsRegistryTest {
    private static Path work;
    private static boolean createdPolicy;
    private static String address;
    private static RegistryFixture https;
    private static RegistryFixture plain;

    @TempDir Path tmp;

    @BeforeAll
    static void startRegistries() throws Exception {
        String missing = RegistryFixture.missing();
        if (missing == null && !RegistryFixture.onPath("openssl")) missing = "openssl is not installed";
        address = missing == null ? nonLoopbackAddress() : null;
        if (missing == null && address == null) missing = "this host has no non-loopback IPv4 address";
        if (missing != null) {
            System.out.println("TlsRegistryTest skipped: " + missing);
        }
        Assumptions.assumeTrue(missing == null, missing);
        createdPolicy = RegistryFixture.ensurePolicy();
        work = Files.createTempDirectory("berth-tls-test-");
        Path cert = work.resolve("cert.pem");
        Path key = work.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=berth-test-registry", "-addext", "subjectAltName=IP:" + address,
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);

        Path layout = work.resolve("app");
        OciLayoutWriter w = new OciLayoutWriter(layout);
        w.addLayer(List.of(dir("etc", 0755), file("etc/os", "tls\n")));
        w.writeImage(TestSupport.config(), "v1");
        https = new RegistryFixture(work.resolve("https"), address, null, new RegistryFixture.Tls(cert, key));
        https.push(layout, "v1", "app:v1");
        plain = new RegistryFixture(work.resolve("plain"), address, null, null);
        plain.push(layout, "v1", "app:v1");
    }

    @AfterAll
    static void stopRegistries() throws Exception {
        if (https != null) https.close();
        if (plain != null) plain.close();
        if (work != null) TestSupport.deleteTree(work);
        if (createdPolicy) Files.deleteIfExists(Path.of(RegistryFixture.POLICY));
    }

    /**
     * The address this host sends from by its default route (a UDP connect sends nothing), not that of some
     * bridge a concurrent test may delete; null without a default route.
     */
    private static String nonLoopbackAddress() {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(InetAddress.getByName("203.0.113.1"), 9);
            InetAddress a = s.getLocalAddress();
            return a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isAnyLocalAddress() ? a.getHostAddress() : null;
        } catch (IOException | UncheckedIOException noRoute) {
            return null;
        }
    }

    private static PullOptions insecure(String host) {
        return PullOptions.defaults().withRegistries(RegistriesConfig.parse("""
                [[registry]]
                location = "%s"
                insecure = true
                """.formatted(host), "test"));
    }

    @Test
    void selfSignedRegistryMarkedInsecureIsPulledOverTls() throws Exception {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        String ref = https.host() + "/app:v1";
        ImageRecord r = store.pull(ref, insecure(https.host()), null);
        assertEquals(List.of(ref), r.names());
        assertEquals("tls\n", Files.readString(store.layerDirs(r).get(0).resolve("etc/os")));
    }

    @Test
    void selfSignedRegistryNotMarkedInsecureFailsWithATlsErrorNamingIt() {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        String ref = https.host() + "/app:v1";
        BerthException e = assertThrows(BerthException.class, () -> store.pull(ref, PullOptions.defaults(), null));
        assertEquals(BerthException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("pull " + ref + ": TLS connection to registry " + https.host() + " failed: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("PKIX") && e.getMessage().contains("insecure = true"), e.getMessage());
        assertTrue(store.list().isEmpty());
        assertEquals(List.of(), TestSupport.list(store.root().resolve("blobs/sha256")));
    }

    @Test
    void insecureRegistrySpeakingPlainHttpIsReachedOverHttp() throws Exception {
        ImageStore store = new ImageStore(tmp.resolve("store"));
        String ref = plain.host() + "/app:v1";
        ImageRecord r = store.pull(ref, insecure(plain.host()), null);
        assertEquals("tls\n", Files.readString(store.layerDirs(r).get(0).resolve("etc/os")));
        BerthException e = assertThrows(BerthException.class, () -> new ImageStore(tmp.resolve("other"))
                .pull(ref, PullOptions.defaults(), null));
        assertTrue(e.getMessage().startsWith("pull " + ref + ": TLS connection to registry " + plain.host() + " failed: "),
                e.getMessage());
    }
}
