package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.container.ContainerPaths;
import dev.berth.it.support.BerthHarness;
import dev.berth.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file berthd reads as it starts, broken four ways while it was down: cut short (a write that never
 * finished), empty, garbage bytes, and well-formed but of another version or shape. A state file costs at
 * most what it describes, and berthd starts, serves its other containers and logs what it skipped or rebuilt;
 * a config file stops it with one line naming the file (and the line, for a syntax error), as containerd and
 * CRI-O do. docs/hardening.md lists each case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StateFileFaultIT {
    private static final String POD_ID = "fa".repeat(32);
    private static final ObjectMapper JSON = new ObjectMapper();

    enum StateFile { IMAGES_JSON, AUTH_JSON, CONTAINER_JSON, STATE_JSON, BUNDLE_CONFIG, SHIM_PID, SHIM_EXIT, HOOK,
        POD_JSON, CNI_CACHE, BERTH_TOML, DROP_IN, REGISTRIES_TOML }

    enum Fault { TRUNCATED, EMPTY, GARBAGE, WRONG_VERSION }

    private BerthHarness berth;
    private String bystander;
    private String busyboxId;

    @BeforeAll
    void start() throws Exception {
        // The registries config in the harness's own directory, not the host's /etc/berth.
        berth = new BerthHarness(List.of(), h -> Files.writeString(h.config(), "registries_config = \""
                + h.base().resolve("registries.toml") + "\"\n", StandardOpenOption.APPEND));
        bystander = berth.ok("run", "-d", "--name", "bystander", "busybox", "sleep", "1000");
        busyboxId = berth.ok("images", "-q", "--no-trunc").strip().replace("sha256:", "");
    }

    @AfterAll
    void stop() throws Exception {
        if (berth != null) {
            berth.close();
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (StateFile f : StateFile.values()) {
            for (Fault k : Fault.values()) {
                all.add(Arguments.of(f, k));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void berthdStartsAndNamesWhatItSkippedOrRebuiltOrStopsOnABrokenConfig(StateFile file, Fault fault)
            throws Exception {
        String container = switch (file) {
            case CONTAINER_JSON, STATE_JSON, BUNDLE_CONFIG -> berth.ok("create", "--name", "fault-victim", "busybox",
                    "true");
            case SHIM_PID, SHIM_EXIT -> berth.ok("run", "-d", "--name", "fault-victim", "busybox", "sleep", "1000");
            default -> null;
        };
        Path path = path(file, container);
        berth.stopDaemon();
        if (file == StateFile.SHIM_EXIT) {
            diedWhileDown(container);
        }
        String valid = validContent(file, path);
        byte[] before = Files.exists(path) ? Files.readAllBytes(path) : null;
        Files.createDirectories(path.getParent());
        Files.write(path, corrupt(file, fault, valid));
        long logFrom = berth.daemonLog().lines().count();
        try {
            if (isConfig(file)) {
                expectConfigError(file, fault, path);
            } else {
                berth.startDaemon();
                List<String> log = berth.daemonLog().lines().skip(logFrom).toList();
                expectStarted(file, fault, path, container, log);
            }
        } finally {
            if (berth.awaitDaemonExit(0) != -1) {
                restore(path, before);
                berth.startDaemon();
            }
            if (container != null) {
                berth.ok("rm", "-f", container);
            }
            restoreAfterRun(file, path, before);
        }
    }

    private Path registriesToml() {
        return berth.base().resolve("registries.toml");
    }

    private Path path(StateFile file, String container) {
        return switch (file) {
            case IMAGES_JSON -> berth.root().resolve("images/images.json");
            case AUTH_JSON -> berth.root().resolve("auth.json");
            case CONTAINER_JSON -> berth.root().resolve("containers").resolve(container).resolve("container.json");
            case STATE_JSON -> berth.root().resolve("containers").resolve(container).resolve("state.json");
            case BUNDLE_CONFIG -> berth.root().resolve("containers").resolve(container).resolve("bundle/config.json");
            case SHIM_PID -> shimDir(container).resolve("shim.pid");
            case SHIM_EXIT -> shimDir(container).resolve("exit");
            case HOOK -> berth.base().resolve("hooks.d/50-fault.json");
            case POD_JSON -> berth.root().resolve("pods").resolve(POD_ID).resolve("pod.json");
            case CNI_CACHE -> berth.root().resolve("cni").resolve(POD_ID + ".json");
            case BERTH_TOML -> berth.config();
            case DROP_IN -> berth.config().resolveSibling(berth.config().getFileName() + ".d").resolve("50-fault.toml");
            case REGISTRIES_TOML -> registriesToml();
        };
    }

    private static boolean isConfig(StateFile file) {
        return file == StateFile.BERTH_TOML || file == StateFile.DROP_IN;
    }

    /** The file as berthd wrote it, or as a user would: what the fault is made from. */
    private static String validContent(StateFile file, Path path) throws Exception {
        return switch (file) {
            case AUTH_JSON -> "{\"auths\": {\"127.0.0.1:5999\": {\"auth\": \"dTpw\"}}}";
            case POD_JSON -> "{\"id\": \"" + POD_ID + "\", \"name\": \"faulty\", \"state\": \"READY\","
                    + " \"hostname\": \"faulty\"}";
            case CNI_CACHE -> "{\"podId\": \"" + POD_ID + "\", \"netns\": \"/run/netns/none\", \"network\": {}}";
            case HOOK -> "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/bin/true\"}, \"when\": {\"always\": true},"
                    + " \"stages\": [\"prestart\"]}";
            case DROP_IN -> "stop_timeout = 7\nlog_level = \"debug\"\n";
            case REGISTRIES_TOML -> "unqualified-search-registries = [\"docker.io\"]\n";
            default -> Files.readString(path);
        };
    }

    private static byte[] corrupt(StateFile file, Fault fault, String valid) {
        boolean toml = file == StateFile.BERTH_TOML || file == StateFile.DROP_IN || file == StateFile.REGISTRIES_TOML;
        String broken = switch (fault) {
            // TOML cut inside its last value (a cut at a line's end is a shorter, valid file); JSON anywhere.
            case TRUNCATED -> valid.substring(0, toml ? valid.lastIndexOf('"') : valid.length() / 2);
            case EMPTY -> "";
            case GARBAGE -> null;
            case WRONG_VERSION -> switch (file) {
                case IMAGES_JSON -> valid.replaceFirst("\"version\"\\s*:\\s*1", "\"version\": 99");
                case AUTH_JSON -> "{\"auths\": [\"a list, not a map of hosts\"]}";
                case CONTAINER_JSON, STATE_JSON -> valid
                        .replaceFirst("\"id\"\\s*:\\s*\"[0-9a-f]+\"", "\"id\": [\"v2\"]")
                        .replaceFirst("\"status\"\\s*:\\s*\"[a-z]+\"", "\"status\": {\"v2\": true}");
                case POD_JSON, CNI_CACHE -> "{\"id\": [2], \"podId\": [2], \"version\": 2}";
                // Another shape: a list where the spec is an object (the spec's fields are runc's to check).
                case BUNDLE_CONFIG -> "[" + valid + "]";
                case SHIM_PID -> "{\"pid\": " + valid.strip() + "}";
                case SHIM_EXIT -> "{\"version\": 2, \"status\": {\"code\": 137}}";
                case HOOK -> valid.replace("\"1.0.0\"", "\"9.0.0\"");
                // A key of a newer berthd.
                case BERTH_TOML, DROP_IN -> valid + "from_a_newer_berthd = 2\n";
                case REGISTRIES_TOML -> "unqualified-search-registries = 2\n";
            };
        };
        if (broken == null) {
            return new byte[] {0, (byte) 0xff, (byte) 0xfe, 'g', 'a', 'r', 'b', 'a', 'g', 'e', (byte) 0x80, '\n'};
        }
        assertNotEquals(valid, broken, file + " " + fault + " changed nothing");
        return broken.getBytes(StandardCharsets.UTF_8);
    }

    private void expectStarted(StateFile file, Fault fault, Path path, String container, List<String> log)
            throws Exception {
        String what = file + " " + fault + ": ";
        switch (file) {
            case IMAGES_JSON -> {
                assertEquals(1, log.stream().filter(l -> l.contains("image index unreadable")
                        && l.contains(path.toString()) && l.contains(busyboxId)).count(),
                        what + String.join("\n", log));
                assertTrue(berth.ok("images", "-q", "--no-trunc").contains(busyboxId), what + "the image was lost");
                assertEquals("ran", berth.ok("run", "--rm", "busybox", "echo", "ran"), what);
            }
            case AUTH_JSON -> assertEquals(1, log.stream().filter(l -> l.contains("registry credentials unreadable")
                    && l.contains(path.toString())).count(), what + String.join("\n", log));
            case CONTAINER_JSON, STATE_JSON -> {
                assertTrue(log.stream().anyMatch(l -> l.contains(container) && l.contains(path.getFileName().toString())
                        && l.contains("broken")), what + String.join("\n", log));
                assertTrue(berth.ok("ps", "-a", "--no-trunc").lines()
                        .anyMatch(l -> l.startsWith(container + " ") && l.contains(" Broken")),
                        what + "not listed broken");
            }
            case BUNDLE_CONFIG -> {
                assertTrue(log.stream().anyMatch(l -> l.contains(container) && l.contains(path.toString())
                        && l.contains("broken")), what + String.join("\n", log));
                assertTrue(berth.ok("ps", "-a", "--no-trunc").lines()
                        .anyMatch(l -> l.startsWith(container + " ") && l.contains(" Broken")),
                        what + "not listed broken");
            }
            // A live shim answers: its container runs on, re-adopted; shim.pid is named.
            case SHIM_PID -> {
                assertTrue(log.stream().anyMatch(l -> l.contains(container) && l.contains(path.toString())
                        && l.contains("re-adopted")), what + String.join("\n", log));
                assertEquals("running", status(container), what);
                assertEquals("alive", berth.ok("exec", container, "echo", "alive"), what);
            }
            // The shim is dead and its record of the exit unreadable: exited, code unknown, the file named.
            case SHIM_EXIT -> {
                assertTrue(log.stream().anyMatch(l -> l.contains(container) && l.contains(path.toString())),
                        what + String.join("\n", log));
                JsonNode inspected = JSON.readTree(berth.ok("inspect", container));
                JsonNode state = (inspected.isArray() ? inspected.get(0) : inspected).at("/state");
                assertEquals("exited", state.get("status").asText(), what + state);
                assertEquals(255, state.get("exitCode").asInt(), what + state);
            }
            // Hook files are read at each create: the broken one is skipped, named, and the container runs.
            case HOOK -> {
                long from = berth.daemonLog().lines().count();
                assertEquals("ran", berth.ok("run", "--rm", "busybox", "echo", "ran"), what);
                assertTrue(berth.daemonLog().lines().skip(from).anyMatch(l -> l.contains("skip OCI hook file")
                        && l.contains(path.toString())), what + berth.daemonLog());
            }
            case POD_JSON -> assertTrue(log.stream().anyMatch(l -> l.contains("pod " + POD_ID + " skipped")
                    && l.contains("pod.json")), what + String.join("\n", log));
            // Read when the pod's network is torn down, not at start: that DEL fails naming it, the pod goes.
            case CNI_CACHE -> assertFalse(log.stream().anyMatch(l -> l.contains(path.toString())), what);
            // An empty file is valid TOML that configures nothing: the defaults, as for berth.toml.
            case REGISTRIES_TOML -> {
                if (fault == Fault.EMPTY) {
                    assertFalse(log.stream().anyMatch(l -> l.contains(path.toString())), what + String.join("\n", log));
                    break;
                }
                assertTrue(log.stream().anyMatch(l -> l.contains("read registries config " + path)
                        && l.contains("pulls fail until it is fixed")), what + String.join("\n", log));
                BerthHarness.Result pull = berth.berth("pull", "127.0.0.1:1/none:1");
                assertNotEquals(0, pull.exitCode(), what);
                assertTrue(pull.stderr().contains("read registries config " + path), what + pull.stderr());
            }
            default -> throw new IllegalArgumentException(file.toString());
        }
        assertEquals("running", status(bystander), what);
        assertEquals("served", berth.ok("exec", bystander, "echo", "served"), what);
    }

    /** berthd does not start: one line naming the file, and the line in it for a syntax error. */
    private void expectConfigError(StateFile file, Fault fault, Path path) throws Exception {
        String what = file + " " + fault + ": ";
        if (fault == Fault.EMPTY) {
            // An empty file sets nothing: every key takes its default (an empty drop-in changes nothing).
            BerthHarness.Result printed = berth.runOtherDaemon(berth.root(), berth.runRoot(), berth.socket(), "config");
            assertEquals(0, printed.exitCode(), what + printed.stdout());
            assertTrue(printed.stdout().contains(file == StateFile.BERTH_TOML ? "shim_path = 'berth-shim'"
                    : "shim_path = '" + BerthHarness.shim() + "'"), what + printed.stdout());
            return;
        }
        BerthHarness.Result r = berth.runOtherDaemon(berth.root(), berth.runRoot(), berth.socket());
        List<String> said = r.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertNotEquals(0, r.exitCode(), what + said);
        assertEquals(1, said.size(), what + said);
        assertTrue(said.get(0).startsWith("berthd: load config " + path + ": "), what + said);
        switch (fault) {
            case TRUNCATED -> assertTrue(said.get(0).matches(".*: line \\d+, column \\d+: .*"), what + said);
            case GARBAGE -> assertTrue(said.get(0).contains("not UTF-8"), what + said);
            case WRONG_VERSION -> assertTrue(said.get(0).contains("from_a_newer_berthd"), what + said);
            default -> throw new IllegalArgumentException(fault.toString());
        }
        assertEquals("running", statusOnDisk(bystander), what + "the container did not outlive the refused start");
    }

    private static void restore(Path path, byte[] before) throws Exception {
        if (before == null) {
            Files.deleteIfExists(path);
        } else {
            Files.write(path, before);
        }
    }

    /**
     * What a case leaves once berthd runs again: the faulty file gone or back as it was (berthd rebuilt the
     * image index and the credentials as files of their own), and the copies set aside.
     */
    private void restoreAfterRun(StateFile file, Path path, byte[] before) throws Exception {
        Files.deleteIfExists(path.resolveSibling(path.getFileName() + ".broken"));
        switch (file) {
            case POD_JSON -> BerthHarness.run("rm", "-rf", path.getParent().toString());
            case AUTH_JSON, CNI_CACHE, REGISTRIES_TOML, DROP_IN, BERTH_TOML, HOOK -> restore(path, before);
            default -> { }
        }
    }

    private Path shimDir(String container) {
        return berth.runRoot().resolve("shims").resolve(ContainerPaths.shimKey(container));
    }

    /** With berthd down, the container's init and then its shim are killed: the shim's exit file is what is left. */
    private void diedWhileDown(String container) throws Exception {
        Path dir = shimDir(container);
        int shimPid = Integer.parseInt(Files.readString(dir.resolve("shim.pid")).strip());
        BerthHarness.run("kill", "-9", Integer.toString(statusPid(container)));
        assertTrue(Await.eventually(() -> Files.exists(dir.resolve("exit")), 30_000), "the shim wrote no exit");
        BerthHarness.run("kill", "-9", Integer.toString(shimPid));
        assertTrue(Await.eventually(() -> !Files.exists(Path.of("/proc/" + shimPid)), 30_000), "the shim lives");
    }

    private int statusPid(String id) throws Exception {
        return JSON.readTree(berth.root().resolve("containers").resolve(id).resolve("state.json").toFile())
                .get("pid").asInt();
    }

    private String status(String ref) throws Exception {
        JsonNode node = JSON.readTree(berth.ok("inspect", ref));
        return (node.isArray() ? node.get(0) : node).at("/state/status").asText();
    }

    /** With berthd down: its state file, and the init process alive. */
    private String statusOnDisk(String id) throws Exception {
        JsonNode state = JSON.readTree(berth.root().resolve("containers").resolve(id).resolve("state.json").toFile());
        return Files.exists(Path.of("/proc/" + state.get("pid").asInt())) ? state.get("status").asText() : "dead";
    }
}
