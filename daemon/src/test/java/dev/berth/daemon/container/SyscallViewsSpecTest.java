package dev.berth.daemon.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.bundle.SpecBuilder;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.runtime.Spec;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which specs get the NOTIFY rules: the default profile, and only while the listener accepts. */
class SyscallViewsSpecTest {
    @TempDir
    Path tmp;

    private Path listener(Path mount) {
        return Path.of(mount + ResourceViews.LISTENER_SUFFIX);
    }

    @Test
    void theDefaultProfileSendsTheSyscallsToAnAcceptingListener() throws Exception {
        Path mount = tmp.resolve("views");
        ResourceViews views = new ResourceViews(mount, true, null);
        Spec spec = SpecBuilder.secureDefaults().cmd(java.util.List.of("true")).build();
        assertSame(spec, views.withSyscallViews("c1", spec), "no listener: the spec as it was");
        assertFalse(views.status().syscallViews());
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(listener(mount)));
            assertTrue(views.status().syscallViews());
            JsonNode seccomp = views.withSyscallViews("c1", spec).linux().seccomp();
            assertEquals(listener(mount).toString(), seccomp.get("listenerPath").asText());
            boolean notified = false;
            for (JsonNode rule : seccomp.get("syscalls")) {
                if (rule.get("action").asText().equals("SCMP_ACT_NOTIFY")) {
                    notified = rule.get("names").toString().equals("[\"sysinfo\",\"sched_getaffinity\"]");
                }
            }
            assertTrue(notified, seccomp.toString());
            Spec own = spec.withLinux(spec.linux().withSeccomp(OciJson.mapper().readTree(
                    "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}")));
            assertSame(own, views.withSyscallViews("c1", own), "a profile of the user's own is left as it is");
            Spec unconfined = spec.withLinux(spec.linux().withSeccomp(null));
            assertSame(unconfined, views.withSyscallViews("c1", unconfined), "no profile: none is added");
        }
    }
}
