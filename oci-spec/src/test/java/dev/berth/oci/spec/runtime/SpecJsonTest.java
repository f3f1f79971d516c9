package dev.berth.oci.spec.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.state.RuntimeState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecJsonTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SpecJsonTest.class.getResourceAsStream("/dev/berth/oci/" + name)) {
            return in.readAllBytes();
        }
    }

    private static void assertRoundTrip(byte[] original) throws IOException {
        Spec spec = OciJson.read(original, Spec.class);
        JsonNode before = OciJson.mapper().readTree(original);
        JsonNode after = OciJson.mapper().readTree(OciJson.toBytes(spec));
        assertEquals(before, after);
    }

    @Test
    void runcSpecDocumentRoundTripsUnchanged() throws IOException {
        byte[] json = resource("runc-spec-1.1.5.json");
        assertRoundTrip(json);
        Spec spec = OciJson.read(json, Spec.class);
        assertEquals(List.of("sh"), spec.process().args());
        assertEquals(0L, spec.process().user().uid());
        assertEquals("RLIMIT_NOFILE", spec.process().rlimits().get(0).type());
        assertEquals(1024L, spec.process().rlimits().get(0).hard());
        assertEquals(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"), spec.process().capabilities().ambient());
        assertEquals("devpts", spec.mounts().get(2).type());
        assertFalse(spec.linux().resources().devices().get(0).allow());
        assertNull(spec.linux().resources().devices().get(0).major());
        assertEquals("pid", spec.linux().namespaces().get(0).type());
        assertTrue(spec.root().readonly());
    }

    @Test
    void liveRuncSpecRoundTrips(@TempDir Path dir) throws Exception {
        Path runc = Path.of("/usr/sbin/runc");
        if (!Files.isExecutable(runc)) {
            System.out.println("skipped: no runc at " + runc);
            return;
        }
        java.lang.Process p = new ProcessBuilder(runc.toString(), "spec", "--bundle", dir.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertRoundTrip(Files.readAllBytes(dir.resolve("config.json")));
    }

    @Test
    void fullDocumentWithHooksResourcesAndSeccompRoundTrips() throws IOException {
        String json = """
                {"ociVersion":"1.1.0","process":{"terminal":true,"consoleSize":{"height":24,"width":80},
                 "user":{"uid":1000,"gid":1000,"umask":18,"additionalGids":[5,10]},"args":["sh"],"cwd":"/",
                 "noNewPrivileges":true,"apparmorProfile":"docker-default","oomScoreAdj":100,"selinuxLabel":"l"},
                 "root":{"path":"rootfs","readonly":false},
                 "hooks":{"prestart":[{"path":"/bin/a"}],"createRuntime":[{"path":"/bin/b","args":["b","x"],"env":["K=V"],"timeout":5}],
                  "createContainer":[{"path":"/bin/c"}],"startContainer":[{"path":"/bin/d"}],"poststart":[{"path":"/bin/e"}],"poststop":[{"path":"/bin/f"}]},
                 "annotations":{"k":"v","empty":""},
                 "linux":{"uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
                  "devices":[{"type":"c","path":"/dev/fuse","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0}],
                  "cgroupsPath":"/berth/abc","rootfsPropagation":"rprivate",
                  "resources":{"memory":{"limit":268435456,"reservation":1,"swap":536870912,"kernel":0,"swappiness":0,"disableOOMKiller":false},
                   "cpu":{"shares":1024,"quota":150000,"period":100000,"realtimeRuntime":0,"realtimePeriod":0,"cpus":"0-1","mems":"0"},
                   "pids":{"limit":100},"blockIO":{"weight":500},"hugepageLimits":[{"pageSize":"2MB","limit":0}],
                   "unified":{"memory.high":"1000000"},
                   "devices":[{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}]},
                  "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
                   "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]},
                  "sysctl":{"net.ipv4.ip_forward":"1"},"mountLabel":"m"}}
                """;
        assertRoundTrip(json.getBytes(StandardCharsets.UTF_8));
        Spec spec = OciJson.read(json.getBytes(StandardCharsets.UTF_8), Spec.class);
        assertEquals(5, spec.hooks().createRuntime().get(0).timeout());
        assertEquals(100000L, spec.linux().uidMappings().get(0).hostId());
        assertEquals("SCMP_ACT_ERRNO", spec.linux().seccomp().get("defaultAction").asText());
        assertEquals(0L, spec.linux().resources().memory().swappiness());
    }

    @Test
    void unknownFieldsAreIgnored() {
        String json = """
                {"ociVersion":"1.2.0","domainname":"x","process":{"args":["true"],"cwd":"/","user":{"uid":0,"gid":0},
                 "scheduler":{"policy":"SCHED_OTHER"},"ioPriority":{"class":"IOPRIO_CLASS_IDLE"}},
                 "linux":{"intelRdt":{"closID":"x"},"timeOffsets":{}}}
                """;
        Spec spec = OciJson.read(json.getBytes(StandardCharsets.UTF_8), Spec.class);
        assertEquals("1.2.0", spec.ociVersion());
        assertEquals(List.of("true"), spec.process().args());
    }

    @Test
    void nullsAndEmptiesAreOmittedButZeroIdsAreKept() throws IOException {
        Process p = new Process(null, null, new Process.User(0, 0), List.of("true"), List.of(), "/",
                null, null, null, null, null, null);
        Spec spec = new Spec("1.0.2", p, new Root("rootfs", false), null, List.of(), null, Map.of(), null);
        JsonNode tree = OciJson.mapper().readTree(OciJson.toBytes(spec));
        assertFalse(tree.has("hostname"));
        assertFalse(tree.has("mounts"));
        assertFalse(tree.has("annotations"));
        assertFalse(tree.has("linux"));
        assertFalse(tree.get("process").has("env"));
        assertFalse(tree.get("process").has("terminal"));
        assertEquals(0, tree.get("process").get("user").get("uid").asInt(-1));
        assertTrue(tree.get("process").get("user").has("gid"));
        assertFalse(tree.get("root").get("readonly").asBoolean(true));
    }

    @Test
    void hooksPlusAppendsToTheNamedStage() {
        Hook a = new Hook("/a", null, null, null);
        Hook b = new Hook("/b", null, null, null);
        Hooks h = Hooks.empty().plus("createRuntime", a).plus("createRuntime", b).plus("poststop", a);
        assertEquals(List.of(a, b), h.createRuntime());
        assertEquals(List.of(a), h.poststop());
        assertEquals(List.of(), h.stage("prestart"));
    }

    @Test
    void runcStateParses() {
        String json = """
                {"ociVersion":"1.0.2-dev","id":"c1","pid":4242,"status":"running","bundle":"/b",
                 "rootfs":"/b/rootfs","created":"2026-11-22T04:53:01.123456789Z","owner":""}
                """;
        RuntimeState s = OciJson.read(json.getBytes(StandardCharsets.UTF_8), RuntimeState.class);
        assertEquals("c1", s.id());
        assertEquals(4242, s.pid());
        assertEquals(RuntimeState.RUNNING, s.status());
        assertEquals(Instant.parse("2026-11-22T04:53:01.123456789Z"), s.createdAt());
        assertEquals(123456789, s.createdAt().getNano());
    }
}
