package dev.berth.cgroups.v1;

import dev.berth.cgroups.CpusetController;

import java.nio.file.Path;

/** v1 cpuset controller. A new v1 cpuset cgroup starts empty; runc fills it from the parent. */
public final class CpusetControllerV1 extends CpusetController {
    public CpusetControllerV1(Path dir) {
        super(dir);
    }
}
