package dev.berth.it.systemd;

import org.junit.jupiter.api.Test;

/** berthd installed and run as its systemd unit under a real systemd: {@link SystemdServiceGuest} in the nspawn guest. */
class SystemdServiceIT {
    @Test
    void berthdAsASystemdService() throws Exception {
        NspawnGuest.runAndCheck(SystemdServiceGuest.class, "systemd-service-guest.log");
    }
}
