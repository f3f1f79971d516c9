package dev.berth.daemon.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.ParseErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads berth.toml and then its drop-ins, FILE.d/*.toml in lexical order, a key in a later file
 * replacing the earlier value (as systemd's drop-ins do, so packages and operators can each own a
 * file). A missing default file means all defaults; a malformed file or an unknown key is an error that
 * names the file.
 */
public final class ConfigLoader {
    private static final TomlMapper TOML = TomlMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Jackson writes a Path as a file: URI; the config file spells paths plainly.
            .addModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance))
            .build();

    private ConfigLoader() {
    }

    public static DaemonConfig load(Path file, boolean required) {
        ObjectNode merged = TOML.createObjectNode();
        for (Path source : sources(file, required)) {
            merged.setAll(read(source));
        }
        return convert(merged, file).withDefaults();
    }

    /** The files that make up the configuration, in the order they apply. */
    public static List<Path> sources(Path file, boolean required) {
        List<Path> files = new ArrayList<>();
        if (Files.exists(file)) {
            files.add(file);
        } else if (required) {
            throw BerthException.invalid("load config " + file + ": no such file");
        }
        Path dropIns = dropInDir(file);
        if (Files.isDirectory(dropIns)) {
            try (Stream<Path> list = Files.list(dropIns)) {
                list.filter(p -> p.getFileName().toString().endsWith(".toml") && Files.isRegularFile(p))
                        .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                        .forEach(files::add);
            } catch (IOException e) {
                throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                        "load config drop-ins " + dropIns + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    public static Path dropInDir(Path file) {
        return file.resolveSibling(file.getFileName() + ".d");
    }

    /** One file, checked on its own so that an unknown key or a wrong type names the file it is in. */
    private static ObjectNode read(Path file) {
        JsonNode node;
        try {
            node = TOML.readTree(utf8(file));
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT,
                    "load config " + file + ": " + ParseErrors.describe(e), e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return TOML.createObjectNode();
        }
        if (!(node instanceof ObjectNode object)) {
            throw BerthException.invalid("load config " + file + ": not a table of keys");
        }
        convert(object, file);
        return object;
    }

    /**
     * The file's text. TOML is UTF-8, and the parser would let malformed bytes through as broken characters
     * that then cannot be printed back ({@code berthd config}).
     */
    private static String utf8(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw BerthException.invalid("load config " + file + ": not UTF-8 text (" + e + ")");
        }
    }

    private static DaemonConfig convert(JsonNode node, Path file) {
        try {
            return TOML.treeToValue(node, DaemonConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            // A tree has no source location: the key is where.
            String why = e instanceof IOException io ? ParseErrors.describe(io) : e.getMessage();
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT, "load config " + file + ": " + why, e);
        }
    }

    /** Every key by its name in the file, in declaration order; paths as strings. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(DaemonConfig config) {
        return TOML.convertValue(config, LinkedHashMap.class);
    }

    public static DaemonConfig fromMap(Map<String, Object> keys) {
        return TOML.convertValue(keys, DaemonConfig.class);
    }

    public static String toToml(DaemonConfig config) {
        try {
            return TOML.writeValueAsString(toMap(config));
        } catch (IOException e) {
            throw BerthException.internal("print config: " + e.getMessage(), e);
        }
    }
}
