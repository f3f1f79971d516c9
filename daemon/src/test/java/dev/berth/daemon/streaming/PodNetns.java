package dev.berth.daemon.streaming;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real network namespace bound to a file, as a pod's would be, with loopback up and a TCP echo
 * server on 127.0.0.1:PORT inside it (each connection echoes until the client's end of input).
 */
final class PodNetns implements AutoCloseable {
    private static final String ECHO = String.join("\n",
            "import socket, sys, threading",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('127.0.0.1', int(sys.argv[1])))",
            "s.listen(16)",
            "print('ready', flush=True)",
            "def serve(c):",
            "    while True:",
            "        d = c.recv(65536)",
            "        if not d:",
            "            break",
            "        c.sendall(d)",
            "    c.close()",
            "while True:",
            "    c, _ = s.accept()",
            "    threading.Thread(target=serve, args=(c,), daemon=True).start()");

    final Path file;
    private final Path dir;
    private boolean dirMounted;
    private boolean nsMounted;
    private Process echo;

    private PodNetns(Path dir) {
        this.dir = dir;
        this.file = dir.resolve("net");
    }

    /** Why a namespace cannot be made here, or null. */
    static String missingPrerequisite() {
        for (String tool : new String[] {"unshare", "nsenter", "ip", "python3", "mount"}) {
            if (!onPath(tool)) {
                return "no " + tool + " on PATH";
            }
        }
        return null;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    static PodNetns create(int echoPort) throws Exception {
        PodNetns ns = new PodNetns(Files.createTempDirectory("berth-netns"));
        try {
            // A namespace file can only be bound on a private mount.
            ShimBackend.run("mount", "--bind", ns.dir.toString(), ns.dir.toString());
            ns.dirMounted = true;
            ShimBackend.run("mount", "--make-private", ns.dir.toString());
            Files.createFile(ns.file);
            ShimBackend.run("unshare", "--net=" + ns.file, "true");
            ns.nsMounted = true;
            ShimBackend.run("nsenter", "--net=" + ns.file, "ip", "link", "set", "lo", "up");
            ns.startEcho(echoPort);
        } catch (Exception e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private void startEcho(int port) throws IOException {
        echo = new ProcessBuilder("nsenter", "--net=" + file, "python3", "-c", ECHO, Integer.toString(port))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) {
            throw new IOException("echo server in " + file + " did not start: " + line);
        }
    }

    @Override
    public void close() throws Exception {
        if (echo != null) {
            echo.descendants().forEach(ProcessHandle::destroyForcibly);
            echo.destroyForcibly();
            echo.waitFor(10, TimeUnit.SECONDS);
        }
        if (nsMounted) {
            ShimBackend.run("umount", file.toString());
        }
        if (dirMounted) {
            ShimBackend.run("umount", dir.toString());
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
