package dev.berth.daemon.api;

import dev.berth.cgroups.CgroupLayout;
import dev.berth.daemon.BerthVersion;
import dev.berth.daemon.container.Container;
import dev.berth.daemon.container.ContainerService;
import dev.berth.daemon.container.ResourceViews;
import dev.berth.daemon.runtime.OciRuntime;
import dev.berth.image.ImageStore;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** /v1/version and /v1/info. */
public final class SystemRoutes {
    private final ContainerService containers;
    private final ImageStore images;
    private final OciRuntime runtime;
    private final CgroupLayout cgroupLayout;
    private final String cgroupDriver;
    private final Map<String, String> paths;
    private final ResourceViews views;
    private volatile String runtimeVersion;

    public SystemRoutes(ContainerService containers, ImageStore images, OciRuntime runtime, CgroupLayout layout,
            String cgroupDriver, Map<String, String> paths, ResourceViews views) {
        this.containers = containers;
        this.images = images;
        this.runtime = runtime;
        this.cgroupLayout = layout;
        this.cgroupDriver = cgroupDriver;
        this.paths = paths;
        this.views = views;
    }

    public void register(ApiHandler.Routes routes) {
        routes.add("GET", "/v1/version", (ex, m) -> ex.json(HttpResponseStatus.OK, version()))
                .add("GET", "/v1/info", (ex, m) -> ex.json(HttpResponseStatus.OK, info()));
    }

    private Map<String, Object> version() {
        if (runtimeVersion == null) {
            runtimeVersion = runtime.version();
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("version", BerthVersion.VERSION);
        v.put("apiVersion", "1");
        v.put("gitCommit", BerthVersion.GIT_COMMIT);
        v.put("runtime", runtime.name());
        v.put("runtimeVersion", runtimeVersion);
        v.put("os", System.getProperty("os.name").toLowerCase());
        v.put("arch", System.getProperty("os.arch"));
        v.put("javaVersion", System.getProperty("java.version"));
        return v;
    }

    private Map<String, Object> info() throws IOException {
        List<Container> all = containers.list();
        long running = all.stream().filter(c -> c.state().isRunning()).count();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("containers", all.size());
        v.put("running", running);
        v.put("stopped", all.size() - running);
        v.put("images", images.list().size());
        v.put("cgroupVersion", cgroupLayout.mode().name().toLowerCase());
        v.put("cgroupDriver", cgroupDriver);
        v.put("runtime", runtime.name());
        v.putAll(paths);
        v.put("kernel", Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        v.put("cpus", Runtime.getRuntime().availableProcessors());
        v.put("memTotal", memTotal());
        v.put("resourceViews", resourceViews(all));
        return v;
    }

    /**
     * Whether berth-viewfs serves, and how many containers have no views (opted out, or made while it did not);
     * whether new containers get syscall views, and how many have none (made without them cannot get them later).
     */
    private Map<String, Object> resourceViews(List<Container> all) {
        ResourceViews.Status status = views.status();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("mountPoint", status.mountPoint() == null ? null : status.mountPoint().toString());
        v.put("serving", status.serving());
        v.put("enabledByDefault", status.enabledByDefault());
        v.put("containersWithout", all.stream().filter(c -> Boolean.FALSE.equals(c.record().resourceViews())).count());
        v.put("syscallViews", status.syscallViews());
        v.put("containersWithoutSyscallViews", all.stream()
                .filter(c -> !Boolean.TRUE.equals(c.record().syscallViews())).count());
        return v;
    }

    private static long memTotal() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
