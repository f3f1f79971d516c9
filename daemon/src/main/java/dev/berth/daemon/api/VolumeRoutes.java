package dev.berth.daemon.api;

import dev.berth.daemon.api.model.VolumeInfo;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.InputRules;
import dev.berth.daemon.volume.VolumeRecord;
import dev.berth.daemon.volume.VolumeStore;
import dev.berth.oci.BerthException;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /v1/volumes}: named volumes, made here or by a container's create; one in use is never removed. */
public final class VolumeRoutes {
    private static final String ONE = "/v1/volumes/([^/]+)";

    /** The body of POST /v1/volumes. */
    public record VolumeCreate(String name, Map<String, String> labels) {
    }

    private final VolumeStore volumes;
    private final ContainerService containers;

    public VolumeRoutes(VolumeStore volumes, ContainerService containers) {
        this.volumes = volumes;
        this.containers = containers;
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("GET", "/v1/volumes", (ex, m) -> ex.json(HttpResponseStatus.OK,
                        volumes.list().stream().map(this::info).toList()))
                .add("POST", "/v1/volumes", (ex, m) -> create(ex))
                .add("POST", "/v1/volumes/prune", (ex, m) -> prune(ex))
                .add("GET", ONE, (ex, m) -> ex.json(HttpResponseStatus.OK, info(get(m.group(1), "inspect volume"))))
                .add("DELETE", ONE, (ex, m) -> {
                    remove(m.group(1), ex.flag("force"));
                    ex.noContent();
                });
    }

    private void create(Exchange ex) {
        VolumeCreate request = ex.body(VolumeCreate.class);
        if (request.name() == null || !InputRules.isName(request.name())) {
            throw BerthException.invalid("create volume: name " + InputRules.shown(request.name())
                    + " must be letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        boolean made = volumes.ensure(request.name(), request.labels(), false);
        ex.json(made ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, info(get(request.name(), "create volume")));
    }

    /** Removes every volume no container names; their names in {@code removed}. */
    private void prune(Exchange ex) {
        List<String> removed = new ArrayList<>();
        for (VolumeRecord v : volumes.list()) {
            if (containers.volumeUsers(v.name()).isEmpty()) {
                volumes.remove(v.name());
                removed.add(v.name());
            }
        }
        ex.json(HttpResponseStatus.OK, Map.of("removed", removed));
    }

    /** {@code force}: a volume that does not exist is no error (docker volume rm -f); one in use never goes. */
    private void remove(String name, boolean force) {
        if (volumes.get(name).isEmpty()) {
            if (force) {
                return;
            }
            throw BerthException.notFound("remove volume " + name + ": no such volume");
        }
        List<String> users = containers.volumeUsers(name);
        if (!users.isEmpty()) {
            throw BerthException.conflict("remove volume " + name + ": it is used by container(s) "
                    + String.join(", ", users.stream().map(id -> id.substring(0, 12)).toList()));
        }
        volumes.remove(name);
    }

    private VolumeRecord get(String name, String op) {
        return volumes.get(name).orElseThrow(() -> BerthException.notFound(op + " " + name + ": no such volume"));
    }

    private VolumeInfo info(VolumeRecord v) {
        return new VolumeInfo(v.name(), v.createdAt(), v.labels(), v.anonymous(), volumes.dataDir(v.name()).toString(),
                containers.volumeUsers(v.name()));
    }
}
