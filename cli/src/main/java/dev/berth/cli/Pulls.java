package dev.berth.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The one pull of the CLI: {@code berth pull}, and {@code run}/{@code create} with {@code --pull}. */
final class Pulls {
    private Pulls() {
    }

    /**
     * Pulls {@code reference} through berthd, showing progress on {@code progress} (nothing when
     * {@code quiet}); returns the image summary. An {@code {"error"}} line becomes a CliException (125).
     */
    static Map<String, Object> pull(Api api, String reference, String platform, PrintStream progress,
                                    boolean terminal, boolean quiet) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reference", reference);
        if (platform != null) {
            body.put("platform", platform);
        }
        String target = "/v1/images/pull";
        PullDisplay display = new PullDisplay(progress, terminal, System.nanoTime());
        try (HttpResponse r = api.http().send("POST", target, Json.bytes(body))) {
            if (r.status() >= 300) {
                throw UnixHttpClient.errorOf(r);
            }
            if (!quiet) {
                display.header(reference);
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> event = Json.map(Json.parse(line));
                if (event.containsKey("error")) {
                    if (!quiet) {
                        display.finish(System.nanoTime());
                    }
                    throw new CliException(Json.str(event, "error", "pull " + reference + " failed"));
                }
                if (event.containsKey("image")) {
                    Map<String, Object> image = Json.map(event.get("image"));
                    if (!quiet) {
                        display.finish(System.nanoTime());
                        summary(progress, display, reference, image);
                    }
                    return image;
                }
                if (!quiet) {
                    display.onEvent(event, System.nanoTime());
                }
            }
        } catch (IOException e) {
            throw Api.ioError("POST", target, e);
        }
        throw new CliException("pull " + reference + ": berthd ended the progress stream without a result");
    }

    private static void summary(PrintStream out, PullDisplay display, String reference, Map<String, Object> image) {
        String digest = display.manifestDigest() != null ? display.manifestDigest() : Json.str(image, "digest");
        if (digest != null) {
            out.println("Digest: " + digest);
        }
        String name = nameOf(image, reference);
        out.println(display.downloadedAny() ? "Status: Downloaded newer image for " + name
                : "Status: Image is up to date for " + name);
        out.println(name);
        out.flush();
    }

    /** The image's name that the reference was normalised to (docker.io/library/busybox:latest for busybox). */
    static String nameOf(Map<String, Object> image, String reference) {
        List<Object> names = Json.list(image.get("names"));
        String[] forms = {reference, reference + ":latest"};
        for (String form : forms) {
            for (Object n : names) {
                String s = n.toString();
                if (s.equals(form) || s.endsWith("/" + form)) {
                    return s;
                }
            }
        }
        return reference;
    }

    /** Whether {@code stream} is this process's stdout or stderr and that is a terminal. */
    static boolean isTerminal(PrintStream stream, Map<String, String> env) {
        if ("dumb".equals(env.get("TERM"))) {
            return false;
        }
        if (stream == System.out) {
            return Terminal.isTerminal(1);
        }
        if (stream == System.err) {
            return Terminal.isTerminal(2);
        }
        return false;
    }
}
