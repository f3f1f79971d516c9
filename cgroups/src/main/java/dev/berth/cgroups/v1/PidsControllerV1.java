package dev.berth.cgroups.v1;

import dev.berth.cgroups.PidsController;

import java.nio.file.Path;

/** v1 pids controller: pids.current, pids.max. */
public final class PidsControllerV1 extends PidsController {
    public PidsControllerV1(Path dir) {
        super(dir);
    }
}
