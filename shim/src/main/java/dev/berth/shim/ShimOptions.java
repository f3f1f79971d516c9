package dev.berth.shim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to start the shim of one container; mirrors the shim's command line (docs/shim-protocol.md).
 *
 * @param runtimeRoot the runtime's {@code --root}, or null for its default
 * @param logMaxSize rotate the CRI log when it reaches this many bytes; 0 never rotates
 * @param logMaxFiles log files kept including the live one (at least 1)
 * @param killAllOnExit the container shares a pid namespace, so its init's exit ends nothing else: the shim
 *                      then kills what is left in its cgroup
 */
public record ShimOptions(String id, Path bundle, Path stateDir, Path runtime, Path runtimeRoot,
                          boolean systemdCgroup, Path logPath, long logMaxSize, int logMaxFiles,
                          boolean terminal, boolean stdin, boolean killAllOnExit) {

    public static final long DEFAULT_LOG_MAX_SIZE = 10L * 1024 * 1024;
    public static final int DEFAULT_LOG_MAX_FILES = 2;

    public ShimOptions {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(logPath, "logPath");
        if (logMaxSize < 0) {
            throw new IllegalArgumentException("logMaxSize < 0");
        }
        if (logMaxFiles < 1) {
            throw new IllegalArgumentException("logMaxFiles < 1");
        }
    }

    /** The shim's arguments after the binary. */
    List<String> toArgs() {
        List<String> a = new ArrayList<>(List.of(
                "--id", id,
                "--bundle", bundle.toAbsolutePath().toString(),
                "--state-dir", stateDir.toAbsolutePath().toString(),
                "--runtime", runtime.toAbsolutePath().toString()));
        if (runtimeRoot != null) {
            a.add("--runtime-root");
            a.add(runtimeRoot.toAbsolutePath().toString());
        }
        if (systemdCgroup) {
            a.add("--systemd-cgroup");
        }
        a.addAll(List.of("--log-path", logPath.toAbsolutePath().toString(),
                "--log-max-size", Long.toString(logMaxSize),
                "--log-max-files", Integer.toString(logMaxFiles)));
        if (terminal) {
            a.add("--terminal");
        }
        if (stdin) {
            a.add("--stdin");
        }
        if (killAllOnExit) {
            a.add("--kill-all-on-exit");
        }
        return a;
    }
}
