package dev.berth.shim;

import dev.berth.oci.BerthException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts the shim of a container, which creates the container through the OCI runtime. */
public final class ShimLauncher {
    private static final System.Logger LOG = System.getLogger(ShimLauncher.class.getName());
    /** The shim gives the runtime 120 s. */
    private static final long TIMEOUT_SECONDS = 150;
    /** How the shim's create error starts when the runtime died of a signal (shim/c/runtime.c). */
    private static final String RUNTIME_KILLED = "runtime was killed";

    private final Path shimBinary;

    public ShimLauncher(Path shimBinary) {
        this.shimBinary = shimBinary;
    }

    /**
     * Runs the shim and returns once the container is created (its init waits for {@code runtime
     * start}). The shim keeps running on its own, detached from this process.
     */
    public LaunchedShim launch(ShimOptions o) {
        String op = "create container " + o.id();
        List<String> cmd = new ArrayList<>();
        cmd.add(shimBinary.toAbsolutePath().toString());
        cmd.addAll(o.toArgs());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw BerthException.internal(op + ": start shim " + shimBinary + ": " + e.getMessage(), e);
        }
        String out;
        String err;
        try (InputStream stdout = p.getInputStream(); InputStream stderr = p.getErrorStream()) {
            // The shim answers with one short line; EOF comes when its launching process exits.
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw BerthException.internal(op + ": shim did not answer within " + TIMEOUT_SECONDS + " s", null);
            }
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8).strip();
            err = new String(stderr.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw BerthException.internal(op + ": read shim answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw BerthException.internal(op + ": interrupted", e);
        }
        LaunchedShim launched = parse(o.id(), out, err);
        LOG.log(System.Logger.Level.DEBUG, "{0}: container pid {1}, shim pid {2}", op, launched.containerPid(),
                launched.shimPid());
        return launched;
    }

    static LaunchedShim parse(String id, String out, String err) {
        String op = "create container " + id;
        if (out.startsWith("ok ")) {
            String[] f = out.split(" ");
            try {
                if (f.length == 3) {
                    return new LaunchedShim(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw BerthException.internal(op + ": bad shim answer: " + out, null);
        }
        if (out.startsWith("error create: ")) {
            String msg = out.substring("error create: ".length());
            // A runtime killed by a signal (OOM killer, kill -9) says nothing about the request.
            BerthException.Kind kind = msg.contains("container with id exists")
                    ? BerthException.Kind.ALREADY_EXISTS
                    : msg.startsWith(RUNTIME_KILLED) ? BerthException.Kind.INTERNAL
                    : BerthException.Kind.INVALID_ARGUMENT;
            return thrower(new BerthException(kind, op + ": " + msg));
        }
        if (out.startsWith("error ")) {
            throw BerthException.internal(op + ": shim: " + out.substring(6), null);
        }
        throw BerthException.internal(op + ": shim gave no answer"
                + (err.isEmpty() ? "" : " (stderr: " + err + ")"), null);
    }

    private static LaunchedShim thrower(BerthException e) {
        throw e;
    }
}
