package dev.berth.cgroups.v2;

import dev.berth.cgroups.PidsController;

import java.nio.file.Path;

/** v2 pids controller: pids.current, pids.max. */
public final class PidsControllerV2 extends PidsController {
    public PidsControllerV2(Path dir) {
        super(dir);
    }
}
