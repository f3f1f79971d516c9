package dev.berth.it.systemd;

import org.junit.jupiter.api.Test;

/** The systemd cgroup driver against a real systemd: {@link SystemdDriverGuest} in the nspawn guest. */
class SystemdDriverIT {
    @Test
    void systemdDriverUnderRealSystemd() throws Exception {
        NspawnGuest.runAndCheck(SystemdDriverGuest.class, "systemd-guest.log");
    }
}
