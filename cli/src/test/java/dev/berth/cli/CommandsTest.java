package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole commands, in-process, against the fake daemon. */
class CommandsTest extends FakeDaemonTest {
    static final String ID = "c0ffee0123456789abcdef";


    /** create → 201, attach → 101 and, once start came, the given frames; start → 204. */
    private FakeDaemon runDaemon(String... frames) throws IOException {
        CountDownLatch started = new CountDownLatch(1);
        return new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.equals("/v1/containers")) {
                FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\",\"name\":\"n\"}");
            } else if (req.target.endsWith("/attach")) {
                FakeDaemon.switching(out);
                out.flush();
                assertTrue(started.await(10, TimeUnit.SECONDS), "start never came");
                for (int i = 0; i < frames.length; i += 2) {
                    FakeDaemon.frame(out, Integer.parseInt(frames[i]), frames[i + 1]);
                }
            } else if (req.target.endsWith("/start")) {
                FakeDaemon.noContent(out);
                started.countDown();
            } else {
                FakeDaemon.error(out, 404, "unexpected " + req);
            }
        });
    }

    @Test
    void runPrintsOutputAndExitsWithTheContainersCode() throws Exception {
        daemon = runDaemon("1", "hi\n", "2", "warn\n", "3", "3");
        Cli r = Cli.run(daemon.socket(), "run", "--rm", "busybox", "sh", "-c", "exit 3");
        assertEquals(3, r.code, r.toString());
        assertEquals("hi\n", r.out);
        assertEquals("warn\n", r.err);
        assertEquals(List.of("POST /v1/containers", "POST /v1/containers/" + ID + "/attach",
                "POST /v1/containers/" + ID + "/start"), requestLines());
        Map<String, Object> body = daemon.requests.get(0).json();
        assertEquals("busybox", body.get("image"));
        assertEquals(List.of("sh", "-c", "exit 3"), body.get("cmd"));
        assertEquals(true, body.get("autoRemove"));
        assertEquals(false, body.get("tty"));
    }

    @Test
    void runMissingExitFrameIsAnError() throws Exception {
        daemon = runDaemon("1", "partial");
        Cli r = Cli.run(daemon.socket(), "run", "busybox");
        assertEquals(125, r.code, r.toString());
        assertEquals("partial", r.out);
        assertEquals("Error: berthd closed the stream before sending the exit code\n", r.err);
    }

    @Test
    void runInteractiveForwardsStdinThenAnEmptyFrame() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.equals("/v1/containers")) {
                FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\"}");
            } else if (req.target.endsWith("/attach")) {
                FakeDaemon.switching(out);
                out.flush();
                StringBuilder got = new StringBuilder();
                Frames.Frame f;
                while ((f = Frames.read(in)) != null && f.payload.length > 0) {
                    assertEquals(0, f.stream);
                    got.append(new String(f.payload, StandardCharsets.UTF_8));
                }
                assertTrue(started.await(10, TimeUnit.SECONDS));
                FakeDaemon.frame(out, 1, got.toString().toUpperCase());
                FakeDaemon.frame(out, 3, "0");
            } else {
                FakeDaemon.noContent(out);
                started.countDown();
            }
        });
        Cli r = Cli.runWithInput(daemon.socket(), new ByteArrayInputStream("abc\ndef\n".getBytes()),
                "run", "-i", "busybox", "cat");
        assertEquals(0, r.code, r.toString());
        assertEquals("ABC\nDEF\n", r.out);
        assertEquals(true, daemon.requests.get(0).json().get("stdin"));
    }

    @Test
    void runDetachedStartsAndPrintsTheId() throws Exception {
        daemon = runDaemon();
        Cli r = Cli.run(daemon.socket(), "run", "-d", "--name", "web", "busybox", "sleep", "100");
        assertEquals(0, r.code, r.toString());
        assertEquals(ID + "\n", r.out);
        assertEquals(List.of("POST /v1/containers", "POST /v1/containers/" + ID + "/start"), requestLines());
        assertEquals("web", daemon.requests.get(0).json().get("name"));
    }

    @Test
    void runWithAFailingStartAndRmRemovesTheContainer() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.equals("/v1/containers")) {
                FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\"}");
            } else if (req.target.endsWith("/attach")) {
                FakeDaemon.switching(out);
            } else if (req.target.endsWith("/start")) {
                FakeDaemon.error(out, 500, "start container " + ID + ": runc: exec: \\\"nope\\\": not found");
            } else {
                FakeDaemon.noContent(out);
            }
        });
        Cli r = Cli.run(daemon.socket(), "run", "--rm", "busybox", "nope");
        assertEquals(125, r.code, r.toString());
        assertEquals("Error: start container " + ID + ": runc: exec: \"nope\": not found\n", r.err);
        assertEquals("DELETE /v1/containers/" + ID + "?force=true", requestLines().get(3));
    }

    @Test
    void createSendsTheWholeContainerCreate() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\",\"name\":\"web\"}"));
        Cli r = Cli.run(daemon.socket(), "create", "--name", "web", "-e", "A=1", "-e", "HOME_VAR", "-e", "UNSET_VAR",
                "-v", "./data:/data:ro", "-v", "/srv:/srv", "-v", "named:/named:z", "-v", "/anon", "-w", "/data", "-u", "1000:1000", "--memory", "256m",
                "--cpus", "1.5", "--pids-limit", "100", "--blkio-weight", "300", "-t", "-i", "--network", "host", "--entrypoint", "/bin/sh",
                "--label", "k=v", "--label", "flag", "busybox", "-c", "echo hi");
        assertEquals(0, r.code, r.toString());
        assertEquals(ID + "\n", r.out);
        Map<String, Object> b = daemon.requests.get(0).json();
        assertEquals("web", b.get("name"));
        assertEquals("busybox", b.get("image"));
        assertEquals(List.of("/bin/sh"), b.get("entrypoint"));
        assertEquals(List.of("-c", "echo hi"), b.get("cmd"));
        assertEquals(List.of("A=1", "HOME_VAR=from-client"), b.get("env"));
        String abs = Path.of("data").toAbsolutePath().toString();
        // a source with a '/' or a leading '.' is a host path, any other a volume's name (docker's rule)
        assertEquals(List.of(Map.of("source", abs, "destination", "/data", "readOnly", true),
                Map.of("source", "/srv", "destination", "/srv", "readOnly", false),
                Map.of("source", "named", "destination", "/named", "readOnly", false),
                Map.of("source", "", "destination", "/anon", "readOnly", false)), b.get("volumes"));
        assertEquals("/data", b.get("workingDir"));
        assertEquals("1000:1000", b.get("user"));
        assertEquals(268435456, ((Number) b.get("memory")).longValue());
        assertEquals(1.5, ((Number) b.get("cpus")).doubleValue());
        assertEquals(100, ((Number) b.get("pidsLimit")).intValue());
        assertEquals(300, ((Number) b.get("blkioWeight")).intValue());
        assertEquals(true, b.get("tty"));
        assertEquals(true, b.get("stdin"));
        assertEquals("host", b.get("network"));
        assertEquals(Map.of("k", "v", "flag", ""), b.get("labels"));
    }

    @Test
    void securityOptionsGoToLinuxSecurity() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\"}"));
        assertEquals(0, Cli.run(daemon.socket(), "create", "busybox").code);
        assertEquals(null, daemon.requests.get(0).json().get("linux"), "the daemon's defaults");

        Cli r = Cli.run(daemon.socket(), "create", "--privileged", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL",
                "--security-opt", "seccomp=unconfined", "busybox");
        assertEquals(0, r.code, r.toString());
        assertEquals(Map.of("security", Map.of("privileged", true, "capabilitiesAdd", List.of("NET_ADMIN"),
                "capabilitiesDrop", List.of("ALL"), "seccomp", "UNCONFINED")), daemon.requests.get(1).json().get("linux"));

        r = Cli.run(daemon.socket(), "create", "--security-opt", "seccomp=profile.json", "busybox");
        assertEquals(0, r.code, r.toString());
        assertEquals(Map.of("security", Map.of("seccomp", "LOCALHOST",
                "seccompLocalhost", Path.of("profile.json").toAbsolutePath().toString())),
                daemon.requests.get(2).json().get("linux"));

        for (String bad : new String[] {"seccomp", "seccomp=", "apparmor=unconfined", "no-new-privileges:maybe"}) {
            r = Cli.run(daemon.socket(), "run", "--security-opt", bad, "busybox");
            assertEquals(125, r.code, bad + "\n" + r);
            assertTrue(r.err.startsWith("Error: invalid --security-opt '" + bad + "'"), r.err);
        }
        assertEquals(3, daemon.requests.size(), "no call for bad values");
    }

    @Test
    void optionsAfterTheImageBelongToTheCommand() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\"}"));
        Cli r = Cli.run(daemon.socket(), "create", "-e", "A=1", "busybox", "ls", "-l", "--name", "x", "-e", "B=2");
        assertEquals(0, r.code, r.toString());
        Map<String, Object> b = daemon.requests.get(0).json();
        assertEquals(List.of("ls", "-l", "--name", "x", "-e", "B=2"), b.get("cmd"));
        assertEquals(List.of("A=1"), b.get("env"));
        assertEquals(null, b.get("name"));
        assertEquals(null, b.get("labels"));
    }

    @Test
    void publishedPortsAndTheNetworkGoInTheCreateBody() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\"}"));
        Cli r = Cli.run(daemon.socket(), "create", "--network", "appnet", "-p", "8080:80", "-p",
                "127.0.0.1:5353:53/udp", "busybox");
        assertEquals(0, r.code, r.toString());
        Map<String, Object> b = daemon.requests.get(0).json();
        assertEquals("appnet", b.get("network"));
        assertEquals(List.of(Map.of("hostIp", "", "hostPort", 8080, "containerPort", 80, "protocol", "tcp"),
                Map.of("hostIp", "127.0.0.1", "hostPort", 5353, "containerPort", 53, "protocol", "udp")), b.get("ports"));
    }

    @Test
    void mountIsDockersLongFormOfVolumes() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"" + ID + "\"}"));
        Cli r = Cli.run(daemon.socket(), "create", "--mount", "type=bind,source=/srv,target=/srv,readonly",
                "--mount", "type=volume,src=cache,dst=/cache", "--mount", "target=/anon", "busybox");
        assertEquals(0, r.code, r.toString());
        assertEquals(List.of(Map.of("source", "/srv", "destination", "/srv", "readOnly", true),
                Map.of("source", "cache", "destination", "/cache", "readOnly", false),
                Map.of("source", "", "destination", "/anon", "readOnly", false)), daemon.requests.get(0).json().get("volumes"));
        for (String bad : new String[] {"type=tmpfs,target=/t", "type=bind,target=/x", "type=volume,source=a/b,target=/x",
                "type=volume,source=v", "type=volume,source=v,target=/x,colour=red"}) {
            Cli refused = Cli.run(daemon.socket(), "create", "--mount", bad, "busybox");
            assertEquals(125, refused.code, bad);
            assertTrue(refused.err.startsWith("Error: invalid --mount '" + bad + "'"), refused.err);
        }
        assertEquals(1, daemon.requests.size(), "no call for bad values");
    }

    @Test
    void badValuesFailBeforeAnyCall() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201, "{\"id\":\"x\"}"));
        String[][] bad = {
                {"--memory", "12x"}, {"-v", "a"}, {"-v", "/a:rel"}, {"-v", "/a:/b:rx"}, {"--cpus", "0"},
                {"--cpus", "abc"}, {"-p", "80"}, {"-p", "8080:80/sctp"}, {"-p", "x:80"}, {"-w", "relative"}, {"--pids-limit", "0"}, {"-e", "=v"},
        };
        for (String[] b : bad) {
            Cli r = Cli.run(daemon.socket(), "run", b[0], b[1], "busybox");
            assertEquals(125, r.code, String.join(" ", b) + "\n" + r);
            assertTrue(r.err.startsWith("Error: "), r.err);
            assertTrue(r.err.contains(b[1].isEmpty() ? "" : b[1].replace("=v", "")) , r.err);
        }
        assertEquals(List.of(), daemon.requests, "no call for bad values");
        Cli r = Cli.run(daemon.socket(), "run", "--memory", "12x", "busybox");
        assertEquals("Error: Invalid value for option '--memory': invalid memory size '12x': use a number with an "
                + "optional unit b, k, m, g or t (e.g. 256m, 1.5g)\nSee 'berth run --help'.\n", r.err);
    }

    @Test
    void noDaemonGivesTheClearMessageAnd125() {
        Path sock = dir.resolve("absent.sock");
        Cli r = Cli.run(sock, "ps");
        assertEquals(125, r.code);
        assertTrue(r.err.startsWith("Error: cannot connect to berthd at " + sock + ": is the daemon running? ("), r.err);
        assertEquals("", r.out);
    }

    @Test
    void socketFromTheEnvironment() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200, "[]"));
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        int code = Main.execute(new String[] {"ps", "-q"}, new ByteArrayInputStream(new byte[0]),
                new java.io.PrintStream(o), new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                Map.of("BERTH_SOCKET", daemon.socket().toString()));
        assertEquals(0, code);
        assertEquals(List.of("GET /v1/containers"), requestLines());
    }

    @Test
    void execRelaysAndExitsWithItsCode() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            FakeDaemon.switching(out);
            FakeDaemon.frame(out, 1, "out");
            FakeDaemon.frame(out, 3, "127");
        });
        Cli r = Cli.run(daemon.socket(), "exec", "-e", "X=1", "-w", "/tmp", "-u", "0:0", "web", "sh", "-c", "nope");
        assertEquals(127, r.code, r.toString());
        assertEquals("out", r.out);
        FakeDaemon.Request req = daemon.requests.get(0);
        assertEquals("POST /v1/containers/web/exec", req.toString());
        assertEquals("berth-stream", req.headers.get("upgrade"));
        Map<String, Object> b = req.json();
        assertEquals(List.of("sh", "-c", "nope"), b.get("cmd"));
        assertEquals(List.of("X=1"), b.get("env"));
        assertEquals("/tmp", b.get("workingDir"));
        assertEquals("0:0", b.get("user"));
        assertEquals(false, b.get("tty"));
    }

    @Test
    void startAttachInspectsForTtyAttachesThenStarts() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.method.equals("GET")) {
                FakeDaemon.json(out, 200, "{\"id\":\"" + ID + "\",\"config\":{\"tty\":false}}");
            } else if (req.target.endsWith("/attach")) {
                FakeDaemon.switching(out);
                out.flush();
                assertTrue(started.await(10, TimeUnit.SECONDS));
                FakeDaemon.frame(out, 1, "x");
                FakeDaemon.frame(out, 3, "5");
            } else {
                FakeDaemon.noContent(out);
                started.countDown();
            }
        });
        Cli r = Cli.run(daemon.socket(), "start", "-a", "web");
        assertEquals(5, r.code, r.toString());
        assertEquals("x", r.out);
        assertEquals(List.of("GET /v1/containers/web", "POST /v1/containers/web/attach", "POST /v1/containers/web/start"),
                requestLines());
    }

    @Test
    void multiTargetCommandsReportEachFailureAndExit1() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.contains("/ghost")) {
                FakeDaemon.error(out, 404, "remove container ghost: no such container");
            } else {
                FakeDaemon.noContent(out);
            }
        });
        Cli r = Cli.run(daemon.socket(), "rm", "-f", "a", "ghost", "b");
        assertEquals(1, r.code, r.toString());
        assertEquals("a\nb\n", r.out);
        assertEquals("Error: remove container ghost: no such container\n", r.err);
        assertEquals(List.of("DELETE /v1/containers/a?force=true", "DELETE /v1/containers/ghost?force=true",
                "DELETE /v1/containers/b?force=true"), requestLines());
    }

    @Test
    void stopKillDestroyAndRmiBuildTheirQueries() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.noContent(out));
        assertEquals(0, Cli.run(daemon.socket(), "stop", "-t", "3", "web").code);
        assertEquals(0, Cli.run(daemon.socket(), "kill", "-s", "SIGTERM", "web").code);
        assertEquals(0, Cli.run(daemon.socket(), "kill", "web").code);
        assertEquals(0, Cli.run(daemon.socket(), "destroy", "web").code);
        assertEquals(0, Cli.run(daemon.socket(), "rmi", "-f", "localhost/busybox:latest").code);
        assertEquals(0, Cli.run(daemon.socket(), "image", "rm", "busybox").code);
        assertEquals(0, Cli.run(daemon.socket(), "update", "--memory", "1g", "--cpus", "2", "web").code);
        assertEquals(List.of("POST /v1/containers/web/stop?timeout=3", "POST /v1/containers/web/kill?signal=SIGTERM",
                "POST /v1/containers/web/kill?signal=KILL", "DELETE /v1/containers/web",
                "DELETE /v1/images/localhost%2Fbusybox:latest?force=true", "DELETE /v1/images/busybox",
                "POST /v1/containers/web/update"), requestLines());
        assertEquals(Map.of("memory", 1073741824, "cpus", 2.0), daemon.requests.get(6).json());
        assertEquals(0, Cli.run(daemon.socket(), "update", "--blkio-weight", "700", "web").code);
        assertEquals(Map.of("blkioWeight", 700), daemon.requests.get(7).json());
        Cli none = Cli.run(daemon.socket(), "update", "web");
        assertEquals(125, none.code);
        assertEquals("Error: nothing to update: give --memory, --cpus, --pids-limit or --blkio-weight\n", none.err);
    }

    @Test
    void logsSplitStdoutAndStderrFromAChunkedStream() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes());
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(Frames.encode(1, "one\n".getBytes(), 0, 4));
            body.write(Frames.encode(2, "two\n".getBytes(), 0, 4));
            byte[] b = body.toByteArray();
            // a frame split across two chunks
            out.write((Integer.toHexString(10) + "\r\n").getBytes());
            out.write(b, 0, 10);
            out.write(("\r\n" + Integer.toHexString(b.length - 10) + "\r\n").getBytes());
            out.write(b, 10, b.length - 10);
            out.write("\r\n0\r\n\r\n".getBytes());
        });
        Cli r = Cli.run(daemon.socket(), "logs", "-f", "--tail", "5", "-t", "web");
        assertEquals(0, r.code, r.toString());
        assertEquals("one\n", r.out);
        assertEquals("two\n", r.err);
        assertEquals("GET /v1/containers/web/logs?follow=true&tail=5&timestamps=true", requestLines().get(0));
    }

    @Test
    void psQuietFormatJsonAndErrorsFromTheDaemon() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200,
                "[{\"id\":\"0123456789abcdef0123\",\"name\":\"a\",\"state\":\"running\"}]"));
        Cli q = Cli.run(daemon.socket(), "ps", "-a", "-q");
        assertEquals("0123456789ab\n", q.out);
        Cli full = Cli.run(daemon.socket(), "ps", "-q", "--no-trunc");
        assertEquals("0123456789abcdef0123\n", full.out);
        Cli json = Cli.run(daemon.socket(), "ps", "--format", "json");
        assertEquals("{\"id\":\"0123456789abcdef0123\",\"name\":\"a\",\"state\":\"running\"}\n", json.out);
        Cli table = Cli.run(daemon.socket(), "ps");
        assertTrue(table.out.startsWith("CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   NAMES\n0123456789ab "), table.out);
        assertEquals(List.of("GET /v1/containers?all=true", "GET /v1/containers", "GET /v1/containers",
                "GET /v1/containers"), requestLines());
        assertEquals(table.out, Cli.run(daemon.socket(), "ps", "--format", "table").out);
    }

    @Test
    void psFiltersGoToTheDaemonAndTemplatesShapeTheRows() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200,
                "[{\"id\":\"0123456789abcdef0123\",\"name\":\"web\",\"image\":\"busybox\",\"state\":\"running\","
                        + "\"command\":[\"sleep\",\"9\"],\"labels\":{\"tier\":\"web\"},\"pid\":42},"
                        + "{\"id\":\"99aa456789abcdef0123\",\"name\":\"db\",\"image\":\"busybox\",\"state\":\"exited\","
                        + "\"command\":[\"true\"],\"exitCode\":3}]"));
        Cli names = Cli.run(daemon.socket(), "ps", "-f", "name=web", "--filter", "name=db", "-f", "label=tier=web",
                "--format", "{{.Names}} {{.ID}} {{.Command}} {{.Labels.tier}}");
        assertEquals(0, names.code, names.toString());
        assertEquals("web 0123456789ab sleep 9 web\ndb 99aa456789ab true <no value>\n", names.out);
        assertEquals("GET /v1/containers?filters=" + Api.enc("{\"name\":[\"web\",\"db\"],\"label\":[\"tier=web\"]}"),
                requestLines().get(0));
        Cli table = Cli.run(daemon.socket(), "ps", "--format", "table {{.ID}}\\t{{.Names}}:{{.State}}\\t{{.ExitCode}}");
        assertEquals("CONTAINER ID   NAMES:STATE   EXIT CODE\n0123456789ab   web:running   0\n"
                + "99aa456789ab   db:exited     3\n", table.out);
        Cli bad = Cli.run(daemon.socket(), "ps", "--format", "{{.Names");
        assertEquals(125, bad.code);
        assertTrue(bad.err.startsWith("Error: template: unclosed action"), bad.err);
        assertEquals(125, Cli.run(daemon.socket(), "ps", "-f", "nokey").code);
    }

    @Test
    void inspectFormatRunsATemplatePerContainerWithDockersNames() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200,
                "{\"id\":\"abc\",\"name\":\"" + req.target.substring(req.target.lastIndexOf('/') + 1)
                        + "\",\"state\":{\"pid\":7,\"running\":true},\"config\":{\"env\":[\"A=1\"]}}"));
        Cli r = Cli.run(daemon.socket(), "inspect", "-f", "{{.Name}} {{.State.Pid}} {{json .Config.Env}}", "web", "db");
        assertEquals(0, r.code, r.toString());
        assertEquals("web 7 [\"A=1\"]\ndb 7 [\"A=1\"]\n", r.out);
        assertEquals(List.of(Map.of("id", "abc", "name", "web", "state", Map.of("pid", 7, "running", true),
                "config", Map.of("env", List.of("A=1")))), Json.parse(Cli.run(daemon.socket(), "inspect", "--format",
                "json", "web").out));
    }

    @Test
    void psAllShowsBrokenContainersAndPsDoesNotAskForThem() throws Exception {
        String running = "{\"id\":\"0123456789abcdef0123\",\"name\":\"a\",\"state\":\"running\"}";
        String broken = "{\"id\":\"99aa456789abcdef0123\",\"name\":\"b\",\"state\":\"broken\","
                + "\"reason\":\"read state.json: empty\"}";
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200,
                req.target.endsWith("?all=true") ? "[" + running + "," + broken + "]" : "[" + running + "]"));
        Cli all = Cli.run(daemon.socket(), "ps", "-a");
        assertEquals(0, all.code, all.toString());
        assertTrue(all.out.lines().anyMatch(l -> l.startsWith("99aa456789ab ") && l.contains(" Broken ")
                && l.endsWith(" b")), all.out);
        Cli runningOnly = Cli.run(daemon.socket(), "ps");
        assertFalse(runningOnly.out.contains("Broken"), runningOnly.out);
        assertEquals(List.of("GET /v1/containers?all=true", "GET /v1/containers"), requestLines());
    }

    @Test
    void inspectPrintsAnArrayAndReportsMissingOnes() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> {
            if (req.target.endsWith("/ghost")) {
                FakeDaemon.error(out, 404, "no such container: ghost");
            } else {
                FakeDaemon.json(out, 200, "{\"id\":\"abc\",\"state\":{\"running\":true}}");
            }
        });
        Cli r = Cli.run(daemon.socket(), "inspect", "web", "ghost");
        assertEquals(1, r.code);
        assertEquals("Error: no such container: ghost\n", r.err);
        assertEquals(List.of(Map.of("id", "abc", "state", Map.of("running", true))), Json.parse(r.out));
        assertTrue(r.out.contains("\n"), "pretty-printed");
    }

    @Test
    void versionShowsClientThenServer() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 200,
                "{\"version\":\"0.9\",\"apiVersion\":\"v1\",\"runtime\":\"runc\",\"runtimeVersion\":\"1.1.12\",\"os\":\"linux\",\"arch\":\"amd64\"}"));
        Cli r = Cli.run(daemon.socket(), "version");
        assertEquals(0, r.code, r.toString());
        assertTrue(r.out.startsWith("Client:\n Version: "), r.out);
        assertTrue(r.out.contains("\nServer:\n Version: 0.9\n API version: v1\n"), r.out);
        assertTrue(r.out.contains(" Runtime: runc 1.1.12\n"), r.out);
        Cli c = Cli.run(dir.resolve("absent.sock"), "version", "--client-only");
        assertEquals(0, c.code);
        assertTrue(!c.out.contains("Server"), c.out);
    }

    @Test
    void imageImportMakesThePathAbsolute() throws Exception {
        daemon = new FakeDaemon(dir, (req, in, out) -> FakeDaemon.json(out, 201,
                "{\"id\":\"sha256:feed\",\"names\":[\"localhost/busybox:latest\"]}"));
        Cli r = Cli.run(daemon.socket(), "image", "import", "busybox.tar", "--name", "busybox:latest");
        assertEquals(0, r.code, r.toString());
        assertEquals("sha256:feed\n", r.out);
        assertEquals(Map.of("path", Path.of("busybox.tar").toAbsolutePath().toString(), "name", "busybox:latest"),
                daemon.requests.get(0).json());
    }

    @Test
    void unknownOptionIs125WithAHint() {
        Cli r = Cli.run(null, "ps", "--bogus");
        assertEquals(125, r.code);
        assertTrue(r.err.startsWith("Error: Unknown option: '--bogus'"), r.err);
        assertTrue(r.err.endsWith("See 'berth ps --help'.\n"), r.err);
    }
}
