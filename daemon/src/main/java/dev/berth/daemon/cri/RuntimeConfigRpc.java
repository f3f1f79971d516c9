package dev.berth.daemon.cri;

import dev.berth.cri.v1.CgroupDriver;
import dev.berth.cri.v1.LinuxRuntimeConfiguration;
import dev.berth.cri.v1.RuntimeConfigRequest;
import dev.berth.cri.v1.RuntimeConfigResponse;

/** RuntimeService.RuntimeConfig: kubelet takes its cgroup driver from here, so the two cannot disagree. */
final class RuntimeConfigRpc {
    private final CgroupDriver driver;

    /** {@code cgroupDriver}: berthd's, as its CgroupManager names it ("cgroupfs" or "systemd"). */
    RuntimeConfigRpc(String cgroupDriver) {
        this.driver = switch (cgroupDriver) {
            case "systemd" -> CgroupDriver.SYSTEMD;
            case "cgroupfs" -> CgroupDriver.CGROUPFS;
            default -> throw new IllegalArgumentException("unknown cgroup driver " + cgroupDriver);
        };
    }

    RuntimeConfigResponse call(RuntimeConfigRequest request) {
        return RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(driver))
                .build();
    }
}
