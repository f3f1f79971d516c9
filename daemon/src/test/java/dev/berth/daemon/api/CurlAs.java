package dev.berth.daemon.api;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** curl over a unix socket as another user (setpriv): how a non-root client reaches berthd's sockets. */
public final class CurlAs {
    /** curl's exit code and what it printed (-w '%{http_code}' then stderr). */
    public record Result(int exit, String httpCode, String stderr) {
    }

    private CurlAs() {
    }

    public static void assumeAvailable() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch users");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
    }

    /**
     * GET {@code url} on {@code socket} as {@code uid}:{@code gid} with exactly the supplementary groups
     * given (none when empty); {@code curlOptions} go before the URL.
     */
    public static Result get(Path socket, int uid, int gid, List<Integer> groups, String url, String... curlOptions)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid));
        if (groups.isEmpty()) {
            cmd.add("--clear-groups");
        } else {
            cmd.add("--groups=" + String.join(",", groups.stream().map(String::valueOf).toList()));
        }
        cmd.addAll(List.of("/usr/bin/curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                "--unix-socket", socket.toString()));
        cmd.addAll(List.of(curlOptions));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("curl as uid " + uid + " did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    }
}
