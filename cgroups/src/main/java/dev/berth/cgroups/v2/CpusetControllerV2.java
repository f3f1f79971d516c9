package dev.berth.cgroups.v2;

import dev.berth.cgroups.CpusetController;

import java.nio.file.Path;

/** v2 cpuset controller (an empty cpuset.cpus means "inherit the parent's effective set"). */
public final class CpusetControllerV2 extends CpusetController {
    public CpusetControllerV2(Path dir) {
        super(dir);
    }
}
