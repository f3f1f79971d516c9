package dev.berth.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.BerthException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How a container's init ended, as the shim records it in {@code STATE/exit} and answers WAIT.
 *
 * @param exitCode the exit status, or 128 + signal when a signal killed it
 * @param signal the killing signal, 0 if it exited
 */
public record ExitStatus(int exitCode, int signal, boolean oomKilled, Instant finishedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The exit recorded in {@code stateDir/exit}, empty if the shim has not written one. */
    public static Optional<ExitStatus> read(Path stateDir) {
        Path f = stateDir.resolve("exit");
        String text;
        try {
            // Bytes that are not UTF-8 become U+FFFD and fail as JSON below, with the file named.
            text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BerthException.internal("read exit of " + stateDir.getFileName() + ": " + f + ": "
                    + BerthException.describe(e), e);
        }
        try {
            return Optional.of(parse(text, stateDir.getFileName().toString()));
        } catch (BerthException e) {
            throw new BerthException(e.kind(), f + ": " + e.getMessage(), e);
        }
    }

    /** Parses the shim's one-line exit JSON. */
    public static ExitStatus parse(String json, String id) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.hasNonNull("exitCode") || !n.hasNonNull("finishedAt")) {
                throw new IOException("missing fields in " + json.strip());
            }
            return new ExitStatus(n.get("exitCode").asInt(), n.path("signal").asInt(0),
                    n.path("oomKilled").asBoolean(false), Instant.parse(n.get("finishedAt").asText()));
        } catch (IOException | DateTimeParseException e) {
            throw BerthException.internal("parse exit of container " + id + ": " + e.getMessage(), e);
        }
    }
}
