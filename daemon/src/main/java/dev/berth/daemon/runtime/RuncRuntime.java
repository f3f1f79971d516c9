package dev.berth.daemon.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** runc (or a runc-compatible runtime such as crun) driven through its command line. */
public final class RuncRuntime implements OciRuntime {
    private static final System.Logger LOG = System.getLogger(RuncRuntime.class.getName());
    private static final long TIMEOUT_SECONDS = 60;

    private final Path binary;
    private final Path root;
    private final boolean systemdCgroup;
    /** Asked once, on first use: neither the binary nor the kernel changes under a running berthd. */
    private volatile Boolean recursiveReadOnly;

    public RuncRuntime(Path binary, Path root, boolean systemdCgroup) {
        this.binary = binary;
        this.root = root;
        this.systemdCgroup = systemdCgroup;
    }

    @Override
    public Path binary() {
        return binary;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public String name() {
        return binary.getFileName().toString();
    }

    @Override
    public String version() {
        String out = run("version", List.of("--version"), false);
        String first = out.lines().findFirst().orElse("");
        return first.replaceFirst("^\\S+ version ", "");
    }

    @Override
    public boolean recursiveReadOnly() {
        Boolean known = recursiveReadOnly;
        if (known == null) {
            known = kernelHasMountSetattr(System.getProperty("os.version")) && mountOptions().contains("rro");
            recursiveReadOnly = known;
        }
        return known;
    }

    /** mount_setattr(2), which rro needs, came with Linux 5.12. */
    static boolean kernelHasMountSetattr(String release) {
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release == null ? "" : release);
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        return major > 5 || major == 5 && Integer.parseInt(m.group(2)) >= 12;
    }

    /**
     * The mount options {@code runc features} (runc 1.1+) lists; none for a runtime without that command or
     * whose answer is not the JSON document runc prints, which then gets plain ro mounts.
     */
    private Set<String> mountOptions() {
        try {
            String out = run("features", List.of("features"), false);
            JsonNode options = OciJson.mapper().readTree(out.substring(Math.max(0, out.indexOf('{'))))
                    .path("mountOptions");
            Set<String> names = new HashSet<>();
            options.forEach(o -> names.add(o.asText()));
            return names;
        } catch (BerthException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0} features: {1}", binary, e.getMessage());
            return Set.of();
        }
    }

    @Override
    public void start(String id) {
        run("start container " + id, List.of("start", id), true);
    }

    /** runc keeps the exec fifo in the container's state directory until `runc start` opens it. */
    @Override
    public boolean awaitsStart(String id) {
        return Files.exists(root.resolve(id).resolve("exec.fifo"));
    }

    @Override
    public void pause(String id) {
        run("pause container " + id, List.of("pause", id), true);
    }

    @Override
    public void resume(String id) {
        run("unpause container " + id, List.of("resume", id), true);
    }

    @Override
    public void kill(String id, int signal, boolean all) {
        List<String> args = new ArrayList<>(List.of("kill"));
        if (all) {
            args.add("--all");
        }
        args.add(id);
        args.add(Integer.toString(signal));
        run("kill container " + id, args, true);
    }

    @Override
    public void delete(String id) {
        try {
            run("delete container " + id, List.of("delete", "--force", id), true);
        } catch (BerthException e) {
            if (!e.getMessage().contains("does not exist")) {
                throw e;
            }
        }
    }

    private String run(String operation, List<String> args, boolean withRoot) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        if (withRoot) {
            cmd.add("--root");
            cmd.add(root.toString());
            if (systemdCgroup) {
                cmd.add("--systemd-cgroup");
            }
        }
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BerthException(BerthException.Kind.UNAVAILABLE,
                        operation + ": " + name() + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new BerthException(BerthException.Kind.INTERNAL,
                        operation + ": " + name() + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    operation + ": cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, operation + ": interrupted", e);
        }
    }
}
