package dev.berth.daemon.pod;

import dev.berth.daemon.store.ContainerStore;
import dev.berth.image.PrivateDirs;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Pods on disk: ROOT/pods/ID/pod.json (written atomically) next to the files the pod's containers mount. */
public final class PodStore {
    private static final System.Logger LOG = System.getLogger(PodStore.class.getName());
    private final Path podsDir;

    public record Loaded(String id, PodRecord record, String problem) {
    }

    public PodStore(Path root) {
        this.podsDir = root.resolve("pods");
        try {
            PrivateDirs.ensure(podsDir);
            PrivateDirs.ensureEach(podsDir);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + podsDir, e);
        }
    }

    public Path dir(String id) {
        return podsDir.resolve(id);
    }

    public void create(PodRecord pod) {
        try {
            PrivateDirs.create(dir(pod.id()));
        } catch (IOException e) {
            throw BerthException.internal("run pod " + pod.id() + ": " + e.getMessage(), e);
        }
        save(pod);
    }

    public void save(PodRecord pod) {
        OciJson.writeAtomically(dir(pod.id()).resolve("pod.json"), pod);
    }

    public List<Loaded> loadAll() {
        List<Loaded> result = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(podsDir)) {
            for (Path d : dirs.sorted().toList()) {
                String id = d.getFileName().toString();
                if (!Files.exists(d.resolve("pod.json"))) {
                    // pod.json is the first file a run writes and the first a removal deletes: nothing else
                    // of the pod is left but its resolv.conf and hostname.
                    LOG.log(Level.INFO, "pod {0}: removing the directory of a run or removal cut short", id);
                    ContainerStore.deleteTree(d);
                    continue;
                }
                try {
                    result.add(new Loaded(id, OciJson.read(d.resolve("pod.json"), PodRecord.class), null));
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "load pod {0}: {1}", id, e.getMessage());
                    result.add(new Loaded(id, null, e.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + podsDir, e);
        }
        return result;
    }

    /** Removes the pod's directory, pod.json first (see {@link #loadAll}). */
    public void delete(String id) {
        try {
            Files.deleteIfExists(dir(id).resolve("pod.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("remove pod " + id, e);
        }
        ContainerStore.deleteTree(dir(id));
    }
}
