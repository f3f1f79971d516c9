package dev.berth.daemon.runtime;

import dev.berth.oci.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** runc (or a runc-compatible runtime such as crun) driven through its command line. */
public final class RuncRuntime implements OciRuntime {
    private static final long TIMEOUT_SECONDS = 60;

    private final Path binary;
    private final Path root;
    private final boolean systemdCgroup;

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
    public void start(String id) {
        run("start container " + id, List.of("start", id), true);
    }

    /** runc keeps the exec fifo in the container's state directory until `runc start` opens it. */
    @Override
    public boolean awaitsStart(String id) {
        return Files.exists(root.resolve(id).resolve("exec.fifo"));
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
