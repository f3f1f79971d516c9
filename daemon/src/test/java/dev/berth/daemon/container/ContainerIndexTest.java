package dev.berth.daemon.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.daemon.api.model.ContainerCreate;
import dev.berth.daemon.store.ContainerRecord;
import dev.berth.daemon.store.ContainerState;
import dev.berth.oci.BerthException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ContainerIndexTest {
    private static Container container(String id, String name) {
        ContainerCreate create = new ContainerCreate(name, "busybox", null, null, null, null, null, null, false,
                false, null, null, null, null, false, null, null, null, null, null, null, null, null, null, null);
        return new Container(new ContainerRecord(id, name, "busybox", "sha256:x", Instant.now(), "/berth/" + id,
                create, false, false), ContainerState.creating());
    }

    @Test
    void resolvesByNameIdAndUniquePrefix() {
        ContainerIndex index = new ContainerIndex();
        index.add(container("abc123", "web"));
        index.add(container("abd456", "db"));
        assertEquals("abc123", index.resolve("web").id());
        assertEquals("abd456", index.resolve("abd456").id());
        assertEquals("abc123", index.resolve("abc").id());
        BerthException ambiguous = assertThrows(BerthException.class, () -> index.resolve("ab"));
        assertEquals(BerthException.Kind.FAILED_PRECONDITION, ambiguous.kind());
        assertEquals(BerthException.Kind.NOT_FOUND,
                assertThrows(BerthException.class, () -> index.resolve("zzz")).kind());
    }

    @Test
    void aNameBelongsToOneContainer() {
        ContainerIndex index = new ContainerIndex();
        index.add(container("abc123", "web"));
        BerthException e = assertThrows(BerthException.class, () -> index.reserveName("web", "other"));
        assertEquals(BerthException.Kind.ALREADY_EXISTS, e.kind());
        index.remove("abc123", "web");
        index.reserveName("web", "other");
    }

    @Test
    void namesFollowDockersRules() {
        ContainerIndex.checkName("a.b_c-1");
        assertThrows(BerthException.class, () -> ContainerIndex.checkName("-leading"));
        assertThrows(BerthException.class, () -> ContainerIndex.checkName("has/slash"));
        assertThrows(BerthException.class, () -> ContainerIndex.checkName(""));
    }
}
