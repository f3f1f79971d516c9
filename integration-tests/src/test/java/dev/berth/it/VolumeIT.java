package dev.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.it.support.BerthHarness.Result;
import dev.berth.it.support.SharedDaemonIT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Named and anonymous volumes through the CLI: made on first use with the image's files, kept apart, never removed in use. */
class VolumeIT extends SharedDaemonIT {
    private static JsonNode inspectVolume(String name) throws Exception {
        return new ObjectMapper().readTree(berth.ok("volume", "inspect", name)).get(0);
    }

    @Test
    void aNamedVolumeKeepsItsFilesAcrossContainersAndCanBeReadOnly() throws Exception {
        try {
            assertEquals("keep", berth.ok("volume", "create", "-l", "app=test", "keep"));
            berth.ok("run", "--rm", "-v", "keep:/data", "busybox", "sh", "-c", "echo kept > /data/file");
            assertEquals("kept", berth.ok("run", "--rm", "-v", "keep:/data:ro", "busybox", "cat", "/data/file"));
            Result readOnly = berth.berth("run", "--rm", "-v", "keep:/data:ro", "busybox", "touch", "/data/other");
            assertNotEquals(0, readOnly.exitCode());
            JsonNode v = inspectVolume("keep");
            assertEquals("test", v.at("/labels/app").asText());
            assertFalse(v.get("anonymous").asBoolean());
            assertEquals("kept\n", Files.readString(Path.of(v.get("mountpoint").asText(), "file")));
            assertTrue(List.of(berth.ok("volume", "ls", "-q").split("\n")).contains("keep"));
        } finally {
            berth.berth("volume", "rm", "-f", "keep");
        }
    }

    @Test
    void aNewVolumeStartsWithTheImagesFilesAtItsPath() throws Exception {
        try {
            assertTrue(berth.ok("run", "--rm", "-v", "etcfiles:/etc", "busybox", "cat", "/etc/passwd").contains("root:"));
            Path mountpoint = Path.of(inspectVolume("etcfiles").get("mountpoint").asText());
            assertTrue(Files.readString(mountpoint.resolve("passwd")).contains("root:"));
            // not copied again into a volume that has files: a change stays
            Files.writeString(mountpoint.resolve("passwd"), "changed\n");
            assertEquals("changed", berth.ok("run", "--rm", "-v", "etcfiles:/etc", "busybox", "cat", "/etc/passwd"));
        } finally {
            berth.berth("volume", "rm", "-f", "etcfiles");
        }
    }

    @Test
    void aVolumeInUseIsNotRemovedAndPruneTakesTheUnused() throws Exception {
        try {
            berth.ok("run", "-d", "--name", "vol-user", "-v", "busy:/d", "busybox", "sleep", "1000");
            Result inUse = berth.berth("volume", "rm", "busy");
            assertEquals(1, inUse.exitCode());
            assertTrue(inUse.stderr().contains("used by container"), inUse.stderr());
            berth.ok("volume", "create", "idle");
            List<String> pruned = List.of(berth.ok("volume", "prune", "-f").split("\n"));
            assertTrue(pruned.contains("idle") && !pruned.contains("busy"), pruned.toString());
            berth.ok("rm", "-f", "vol-user");
            assertEquals("busy", berth.ok("volume", "rm", "busy"));
            assertEquals(1, berth.berth("volume", "rm", "busy").exitCode());
            assertEquals(0, berth.berth("volume", "rm", "-f", "busy").exitCode());
        } finally {
            berth.berth("rm", "-f", "vol-user");
            berth.berth("volume", "rm", "-f", "busy", "idle");
        }
    }

    @Test
    void anonymousVolumesGoWithTheirContainerOnRmVOrRm() throws Exception {
        try {
            berth.ok("run", "-d", "--name", "anon", "-v", "/scratch", "busybox", "sleep", "1000");
            String name = new ObjectMapper().readTree(berth.ok("inspect", "anon")).get(0)
                    .at("/config/volumes/0/source").asText();
            assertTrue(name.matches("[0-9a-f]{64}"), name);
            assertTrue(inspectVolume(name).get("anonymous").asBoolean());
            berth.ok("rm", "-f", "-v", "anon");
            assertFalse(List.of(berth.ok("volume", "ls", "-q").split("\n")).contains(name), "rm -v left " + name);
            String before = berth.ok("volume", "ls", "-q");
            berth.ok("run", "--rm", "-v", "/scratch", "busybox", "true");
            assertEquals(before, berth.ok("volume", "ls", "-q"), "--rm left an anonymous volume");
            Result bad = berth.berth("run", "--rm", "-v", "no_such:/x:xx", "busybox", "true");
            assertEquals(125, bad.exitCode());
        } finally {
            berth.berth("rm", "-f", "anon");
        }
    }
}
