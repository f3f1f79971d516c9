package dev.berth.oci.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.oci.BerthException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The shared Jackson configuration and the file I/O of every JSON document Berth keeps.
 *
 * <p>The mapper ignores unknown properties (documents from newer runtimes, images and older Berth
 * versions must load) and rejects trailing content, duplicate keys and nesting deeper than
 * {@link #MAX_NESTING_DEPTH}. It leaves null inclusion to each class: the OCI
 * models omit nulls and empties themselves, API types may keep explicit nulls.
 */
public final class OciJson {
    /** Deeper than any document Berth reads (a runtime spec nests about 8 levels); bounds parser work and stack. */
    public static final int MAX_NESTING_DEPTH = 64;

    // Duplicate keys are refused: a document that means one thing to Berth and another to the next reader
    // (an image config with two "Entrypoint"s) is not one to trust.
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                    .build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private OciJson() {
    }

    /** The shared mapper. Thread-safe; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Reads {@code file} as {@code type}. A missing file is NOT_FOUND, malformed JSON (or a JSON null)
     * INVALID_ARGUMENT, other I/O errors INTERNAL; every message names the file.
     */
    public static <T> T read(Path file, Class<T> type) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BerthException(BerthException.Kind.NOT_FOUND, "read " + file + ": no such file", e);
        } catch (IOException e) {
            throw BerthException.internal("read " + file + ": " + BerthException.describe(e), e);
        }
        return read(bytes, type, file.toString());
    }

    /** Parses {@code json} as {@code type}; malformed input is INVALID_ARGUMENT. */
    public static <T> T read(byte[] json, Class<T> type) {
        return read(json, type, type.getSimpleName() + " document");
    }

    /** Parses {@code json} as {@code type}; {@code what} names the source in error messages. */
    public static <T> T read(byte[] json, Class<T> type, String what) {
        T value;
        try {
            value = MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                    "read " + what + ": malformed " + type.getSimpleName() + " JSON" + where(e) + ": "
                            + e.getOriginalMessage(), e);
        } catch (IOException e) {
            // The bytes are in memory, so this is about their content too: an encoding Jackson detects
            // (UTF-16/32 from the first bytes) but that does not hold (CharConversionException).
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                    "read " + what + ": malformed " + type.getSimpleName() + " JSON: " + e.getMessage(), e);
        } catch (BerthException e) {
            // Value types (Digest) validate in their creators; keep their kind but say where.
            throw new BerthException(e.kind(), "read " + what + ": " + e.getMessage(), e);
        }
        if (value == null) {
            throw BerthException.invalid("read " + what + ": expected a " + type.getSimpleName()
                    + " JSON object, found null");
        }
        return value;
    }

    private static String where(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        return l == null || l.getLineNr() < 0 ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    /** Serialises {@code value} with the shared mapper. */
    public static byte[] toBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw BerthException.internal("serialise " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Serialises {@code value} indented, for files people read (config.json). */
    public static byte[] toPrettyBytes(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw BerthException.internal("serialise " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** {@link #writeAtomically(Path, byte[])} of {@code value} serialised (indented). */
    public static void writeAtomically(Path file, Object value) {
        writeAtomically(file, toPrettyBytes(value));
    }

    /**
     * Replaces {@code file} so that readers, and the file after a crash, see either the old or the
     * new content in full: a temp file in the same directory (mode 0600), fsync, rename over
     * {@code file}, fsync of the directory so the rename itself is durable.
     */
    public static void writeAtomically(Path file, byte[] content) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw BerthException.internal("write " + file + ": rename is not atomic on this file system", e);
        } catch (NoSuchFileException e) {
            throw new BerthException(BerthException.Kind.NOT_FOUND, "write " + file + ": no such directory " + dir, e);
        } catch (IOException e) {
            throw BerthException.internal("write " + file + ": " + BerthException.describe(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original error matters more than a leftover temp file.
                }
            }
        }
    }
}
