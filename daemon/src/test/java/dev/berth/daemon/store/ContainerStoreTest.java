package dev.berth.daemon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerStoreTest {
    @TempDir
    Path root;

    private static ContainerRecord record(String id) {
        return new ContainerRecord(id, "name-" + id, "busybox", "sha256:1", Instant.EPOCH, "/berth/" + id, null, false, false);
    }

    @Test
    void aContainerWithABrokenStateKeepsItsRecordAndNamesTheFile() throws Exception {
        ContainerStore store = new ContainerStore(root);
        store.create(record("a"), ContainerState.creating());
        store.create(record("b"), ContainerState.creating());
        store.create(record("c"), ContainerState.creating());
        Files.writeString(store.dir("b").resolve("state.json"), "{\"status\": ");
        Files.writeString(store.dir("c").resolve("container.json"), "");

        List<ContainerStore.Loaded> loaded = store.ids().stream().map(store::load).toList();
        assertEquals(List.of("a", "b", "c"), loaded.stream().map(ContainerStore.Loaded::id).toList());
        assertNull(loaded.get(0).problem());
        assertEquals(ContainerState.CREATING, loaded.get(0).state().status());

        ContainerStore.Loaded badState = loaded.get(1);
        assertEquals(record("b"), badState.record(), "the readable record was dropped");
        assertNull(badState.state());
        assertTrue(badState.problem().contains(store.dir("b").resolve("state.json").toString()), badState.problem());

        ContainerStore.Loaded badRecord = loaded.get(2);
        assertNull(badRecord.record());
        assertTrue(badRecord.problem().contains("container.json"), badRecord.problem());
    }
}
