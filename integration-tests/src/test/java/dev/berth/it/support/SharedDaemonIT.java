package dev.berth.it.support;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One isolated berthd for all tests of a class; closed (and cleaned up) after the last one. */
public abstract class SharedDaemonIT {
    protected static BerthHarness berth;

    @BeforeAll
    static void startDaemon() throws Exception {
        berth = new BerthHarness();
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (berth != null) {
            berth.close();
            berth = null;
        }
    }
}
