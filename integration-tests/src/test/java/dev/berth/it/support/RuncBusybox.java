package dev.berth.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.testing.Await;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Containers run straight with runc from a bundle of the guest's static busybox, at a cgroupsPath a
 * Berth cgroup driver handed out, for the guest programs that check the drivers against real cgroups.
 * {@link #close()} deletes every container still there.
 */
public final class RuncBusybox implements AutoCloseable {
    static final List<String> APPLETS = List.of("sh", "sleep", "dd", "touch");

    private final String runcRoot;
    private final Path bundles;
    /** Containers not deleted yet, and whether systemd made their cgroup. */
    private final Map<String, Boolean> containers = new LinkedHashMap<>();

    /** @param bundles where the bundles go: a disk-backed directory when a container's writes must count as block I/O */
    public RuncBusybox(String runcRoot, Path bundles) {
        this.runcRoot = runcRoot;
        this.bundles = bundles;
    }

    public Path rootfs(String id) {
        return bundles.resolve(id).resolve("rootfs");
    }

    /**
     * Runs the container detached: {@code resources} is the inside of linux.resources without the
     * devices rule, e.g. {@code "\"pids\": {\"limit\": 32},"}; a writable root when {@code writableRoot}.
     */
    public void run(String id, String cgroupsPath, boolean systemd, String resources, boolean writableRoot,
                    String... args) throws IOException, InterruptedException {
        Path bundle = bundles.resolve(id);
        Path rootfs = rootfs(id);
        Files.createDirectories(rootfs.resolve("bin"));
        for (String d : List.of("proc", "dev", "sys")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Files.writeString(bundle.resolve("config.json"), """
                { "ociVersion": "1.0.2-dev",
                  "process": { "terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
                    "args": [%s] },
                  "root": {"path": "rootfs", "readonly": %s},
                  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
                  "linux": { "cgroupsPath": "%s",
                    "resources": { %s "devices": [{"allow": false, "access": "rwm"}] },
                    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}] } }
                """.formatted(jsonStrings(args), !writableRoot, cgroupsPath, resources));
        containers.put(id, systemd);
        // the detached container keeps runc's stdout: a file, not a pipe that would never reach EOF
        Path log = bundle.resolve("runc.log");
        List<String> cmd = runc(systemd, "run", "-d", "--bundle", bundle.toString(), id);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        assertEquals(0, p.waitFor(), "runc run " + id + ": " + Files.readString(log));
    }

    /** Whether runc reports the container stopped within {@code millis}. */
    public boolean stopsWithin(String id, long millis) {
        return Await.eventually(() -> {
            try {
                return BerthHarness.run("runc", "--root", runcRoot, "state", id).contains("\"status\": \"stopped\"");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, millis);
    }

    public int initPid(String id) throws IOException, InterruptedException {
        return Integer.parseInt(BerthHarness.run("runc", "--root", runcRoot, "state", id)
                .replaceAll("(?s).*\"pid\": (\\d+).*", "$1"));
    }

    /** Kills the container, waits until it stopped, deletes it: what Berth does before it removes the cgroup. */
    public void delete(String id, boolean systemd) throws IOException, InterruptedException {
        BerthHarness.run(runc(systemd, "kill", id, "KILL").toArray(String[]::new));
        assertTrue(stopsWithin(id, 10_000), "runc kill " + id + ": still running");
        BerthHarness.run(runc(systemd, "delete", "--force", id).toArray(String[]::new));
        containers.remove(id);
    }

    private List<String> runc(boolean systemd, String... args) {
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", runcRoot));
        if (systemd) {
            cmd.add("--systemd-cgroup");
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String jsonStrings(String... args) {
        List<String> quoted = new ArrayList<>();
        for (String a : args) {
            quoted.add('"' + a.replace("\\", "\\\\").replace("\"", "\\\"") + '"');
        }
        return String.join(", ", quoted);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Map.Entry<String, Boolean> c : containers.entrySet()) {
            BerthHarness.run(runc(c.getValue(), "delete", "--force", c.getKey()).toArray(String[]::new));
        }
        containers.clear();
    }
}
