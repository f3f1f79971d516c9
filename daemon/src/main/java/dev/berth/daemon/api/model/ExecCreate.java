package dev.berth.daemon.api.model;

import java.util.List;

/** Body of POST /v1/containers/{ref}/exec. */
public record ExecCreate(List<String> cmd, boolean tty, boolean stdin, List<String> env, String workingDir,
        String user) {
}
