package dev.berth.it.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A CRI test class's berthd, its gRPC channel and what the class made around them (a CNI bridge, a work
 * directory, a registry), torn down in one place: the pods first, then everything in the reverse order it was
 * made, each even when an earlier one fails.
 */
public final class CriFixture implements AutoCloseable {
    private final Deque<AutoCloseable> made = new ArrayDeque<>();
    private CriChannel cri;

    /** A temporary directory, removed with everything in it at close. */
    public Path tempDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        made.push(() -> BerthHarness.run("rm", "-rf", dir.toString()));
        return dir;
    }

    /** The name of the bridge the class's CNI config makes; deleted at close (CNI leaves it behind). */
    public String bridge(String name) {
        made.push(() -> BerthHarness.run("ip", "link", "del", name));
        return name;
    }

    /** Closed at close, before what was made earlier. */
    public <T extends AutoCloseable> T closeAtEnd(T resource) {
        made.push(resource);
        return resource;
    }

    /** Takes berthd and opens the CRI channel to it. */
    public CriChannel connect(BerthHarness berth) {
        made.push(berth);
        cri = closeAtEnd(new CriChannel(berth.criSocket()));
        return cri;
    }

    public CriChannel cri() {
        return cri;
    }

    /** Between tests: each starts with no pod. */
    public void removeAllPods() {
        cri.removeAllPods();
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        try {
            if (cri != null) {
                cri.removeAllPods();
            }
        } catch (RuntimeException e) {
            first = e;
        }
        while (!made.isEmpty()) {
            try {
                made.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
