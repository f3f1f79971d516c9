package dev.berth.daemon.cri;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The config a CreateContainer or RunPodSandbox asked with, kept as sent (protobuf, {@code cri-config.pb} in the
 * container's or pod's directory, written atomically): ContainerStatus echoes its mounts and verbose status shows
 * it, as containerd does, so nothing Berth adds or drops on the way to the runtime spec changes what is reported.
 */
final class CriConfigFile {
    private static final System.Logger LOG = System.getLogger(CriConfigFile.class.getName());
    static final String NAME = "cri-config.pb";

    private CriConfigFile() {
    }

    static void write(Path dir, Message config) {
        OciJson.writeAtomically(dir.resolve(NAME), config.toByteArray());
    }

    /** The config kept in {@code dir}; none for objects made before Berth kept it, or by the REST API. */
    static <T extends Message> Optional<T> read(Path dir, Parser<T> parser, String what) {
        try {
            return Optional.of(parser.parseFrom(Files.readAllBytes(dir.resolve(NAME))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (InvalidProtocolBufferException e) {
            LOG.log(Level.WARNING, "{0}: {1} is not a CRI config, left out of its status: {2}", what,
                    dir.resolve(NAME), e.getMessage());
            return Optional.empty();
        } catch (IOException e) {
            throw BerthException.internal(what + ": read " + dir.resolve(NAME) + ": " + e.getMessage(), e);
        }
    }
}
