package dev.berth.daemon.api.model;

import java.util.List;

/** Body of POST /v1/containers/{ref}/exec. */
public record ExecCreate(List<String> cmd, boolean tty, boolean stdin, List<String> env, String workingDir,
        String user, ConsoleSize consoleSize) {

    /** The client terminal's size, so the exec's pty has it from the first instruction. */
    public record ConsoleSize(int height, int width) {
    }
}
