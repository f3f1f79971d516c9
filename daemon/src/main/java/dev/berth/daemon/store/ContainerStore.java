package dev.berth.daemon.store;

import dev.berth.image.PrivateDirs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Containers on disk: one directory per container under ROOT/containers holding container.json (the
 * record) and state.json (its state), both written atomically so a crash leaves the old or the new file.
 * container.json is the first file a creation writes and the first a removal deletes, so a directory
 * without it is what a crash cut short and no client knows of; state.json follows it on creation, so a
 * record without a state is a creation that never finished.
 */
public final class ContainerStore {
    private final Path containersDir;

    /**
     * A container read back from disk, or the reason it could not be: then {@code state} is null, and so is
     * {@code record} unless only state.json was unreadable. {@code leftover}: the directory has no
     * container.json (a creation or removal cut short); record, state and problem are then null.
     */
    public record Loaded(String id, ContainerRecord record, ContainerState state, String problem, boolean leftover) {
    }

    public ContainerStore(Path root) {
        this.containersDir = root.resolve("containers");
        try {
            PrivateDirs.ensure(containersDir);
            PrivateDirs.ensureEach(containersDir);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + containersDir, e);
        }
    }

    public Path dir(String id) {
        return containersDir.resolve(id);
    }

    public void create(ContainerRecord record, ContainerState state) {
        try {
            PrivateDirs.create(dir(record.id()));
        } catch (IOException e) {
            throw BerthException.internal("create container " + record.id() + ": create its directory: "
                    + BerthException.describe(e), e);
        }
        try {
            saveRecord(record);
            saveState(record.id(), state);
        } catch (RuntimeException e) {
            // A directory without both files would come back as a broken container at the next start.
            delete(record.id());
            throw e instanceof BerthException b
                    ? new BerthException(b.kind(), "create container " + record.id() + ": " + b.getMessage(), b) : e;
        }
    }

    public void saveRecord(ContainerRecord record) {
        OciJson.writeAtomically(dir(record.id()).resolve("container.json"), record);
    }

    public void saveState(String id, ContainerState state) {
        OciJson.writeAtomically(dir(id).resolve("state.json"), state);
    }

    /** The ids of every container directory, sorted: what {@link #load} reads back. */
    public List<String> ids() {
        try (Stream<Path> dirs = Files.list(containersDir)) {
            return dirs.map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("list " + containersDir, e);
        }
    }

    /** Reads one container back; safe to call for different ids from several threads. */
    public Loaded load(String id) {
        Path d = dir(id);
        if (!Files.exists(d.resolve("container.json"))) {
            return new Loaded(id, null, null, null, true);
        }
        ContainerRecord record = null;
        try {
            record = OciJson.read(d.resolve("container.json"), ContainerRecord.class);
            ContainerState state = Files.exists(d.resolve("state.json"))
                    ? OciJson.read(d.resolve("state.json"), ContainerState.class) : ContainerState.creating();
            return new Loaded(id, record, state, null, false);
        } catch (RuntimeException e) {
            return new Loaded(id, record, null, e.getMessage(), false);
        }
    }

    /** Removes the container's directory, its record first; the caller has unmounted its rootfs. */
    public void delete(String id) {
        try {
            Files.deleteIfExists(dir(id).resolve("container.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("remove container " + id, e);
        }
        deleteTree(dir(id));
    }

    public static void deleteTree(Path top) {
        if (!Files.exists(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("delete " + top, e);
        }
    }
}
