package dev.berth.daemon.volume;

import dev.berth.daemon.store.ContainerStore;
import dev.berth.image.PrivateDirs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Volumes on disk: {@code ROOT/volumes/NAME/volume.json} (the record, written atomically) and
 * {@code ROOT/volumes/NAME/_data} (the content, bound into containers). volumes/ and each NAME/ are root's
 * alone (0700): a volume holds container files. Names are checked by the callers (InputRules).
 */
public final class VolumeStore {
    private static final String RECORD = "volume.json";
    private static final String DATA = "_data";
    private final Path dir;

    public VolumeStore(Path dir) {
        this.dir = dir;
    }

    public Path dataDir(String name) {
        return dir.resolve(name).resolve(DATA);
    }

    /** Makes the volume unless it exists; true when it was made now (and is empty). */
    public synchronized boolean ensure(String name, Map<String, String> labels, boolean anonymous) {
        if (Files.exists(dir.resolve(name).resolve(RECORD))) {
            return false;
        }
        String op = "create volume " + name;
        try {
            PrivateDirs.ensure(dir);
            Path home = PrivateDirs.ensure(dir.resolve(name));
            // _data is the root of what containers see: as a fresh directory in an image (0755)
            Files.createDirectories(home.resolve(DATA));
            Files.setPosixFilePermissions(home.resolve(DATA), PosixFilePermissions.fromString("rwxr-xr-x"));
            OciJson.writeAtomically(home.resolve(RECORD),
                    new VolumeRecord(name, Instant.now(), labels == null ? Map.of() : Map.copyOf(labels), anonymous));
        } catch (IOException e) {
            throw BerthException.internal(op + ": " + BerthException.describe(e), e);
        }
        return true;
    }

    public Optional<VolumeRecord> get(String name) {
        Path record = dir.resolve(name).resolve(RECORD);
        try {
            return Optional.of(OciJson.mapper().readValue(Files.readAllBytes(record), VolumeRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BerthException.internal("read volume " + name + ": " + BerthException.describe(e), e);
        }
    }

    public List<VolumeRecord> list() {
        List<VolumeRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> names = Files.list(dir)) {
            for (Path p : names.sorted().toList()) {
                get(p.getFileName().toString()).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw BerthException.internal("list volumes: " + BerthException.describe(e), e);
        }
        return out;
    }

    /** Deletes the volume and its content; whether it is in use is the caller's to check. */
    public synchronized void remove(String name) {
        Path home = dir.resolve(name);
        if (!Files.exists(home.resolve(RECORD))) {
            throw BerthException.notFound("remove volume " + name + ": no such volume");
        }
        try {
            // the record first: a crash half-way leaves no volume that looks whole
            Files.delete(home.resolve(RECORD));
            ContainerStore.deleteTree(home);
        } catch (IOException | UncheckedIOException e) {
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            throw BerthException.internal("remove volume " + name + ": " + BerthException.describe(cause), e);
        }
    }
}
