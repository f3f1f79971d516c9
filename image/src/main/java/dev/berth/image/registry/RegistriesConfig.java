package dev.berth.image.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.ParseErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where images are pulled from, in the spirit of containers' registries.conf (v2):
 * <pre>
 * unqualified-search-registries = ["docker.io"]
 * [[registry]]
 * prefix = "example.com/team"       # defaults to location
 * location = "mirror.internal/team"  # defaults to prefix
 * insecure = false                   # plain http
 * blocked = false
 * [[registry.mirror]]
 * location = "127.0.0.1:5000/team"
 * insecure = true
 * </pre>
 * The entry with the longest prefix matching {@code domain/path} applies; its prefix is replaced by each
 * mirror's location, then by its own location. Loopback registries use plain http without configuration.
 */
public final class RegistriesConfig {
    public record Mirror(String location, boolean insecure) {}

    public record Registry(String prefix, String location, boolean insecure, boolean blocked, List<Mirror> mirrors) {
        public Registry {
            mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
        }
    }

    /** One place to pull a repository from: the API endpoint and the repository path there. */
    public record Source(RegistryEndpoint endpoint, String repository) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Doc(@JsonProperty("unqualified-search-registries") List<String> unqualifiedSearchRegistries,
                       @JsonProperty("registry") List<RegistryDoc> registries) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record RegistryDoc(String prefix, String location, Boolean insecure, Boolean blocked,
                               @JsonProperty("mirror") List<MirrorDoc> mirrors) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record MirrorDoc(String location, Boolean insecure) {}

    private final List<String> unqualifiedSearchRegistries;
    private final List<Registry> registries;

    public RegistriesConfig(List<String> unqualifiedSearchRegistries, List<Registry> registries) {
        this.unqualifiedSearchRegistries = List.copyOf(unqualifiedSearchRegistries);
        this.registries = List.copyOf(registries);
    }

    /** Docker Hub for short names, nothing else configured. */
    public static RegistriesConfig defaults() {
        return new RegistriesConfig(List.of(RegistryEndpoint.DOCKER_HUB), List.of());
    }

    /** Reads a TOML file; a missing file gives {@link #defaults()}. */
    public static RegistriesConfig load(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            return defaults();
        } catch (IOException e) {
            throw BerthException.internal("read registries config " + file + ": " + e.getMessage(), e);
        }
    }

    public static RegistriesConfig parse(String toml, String what) {
        String op = "read registries config " + what;
        Doc doc;
        try {
            doc = new TomlMapper().readValue(toml, Doc.class);
        } catch (IOException e) {
            throw new BerthException(BerthException.Kind.INVALID_ARGUMENT, op + ": " + ParseErrors.describe(e), e);
        }
        List<Registry> out = new ArrayList<>();
        for (RegistryDoc r : doc.registries() == null ? List.<RegistryDoc>of() : doc.registries()) {
            String prefix = r.prefix() != null ? r.prefix() : r.location();
            String location = r.location() != null ? r.location() : r.prefix();
            if (prefix == null || prefix.isEmpty()) {
                throw BerthException.invalid(op + ": a [[registry]] has neither prefix nor location");
            }
            List<Mirror> mirrors = new ArrayList<>();
            for (MirrorDoc m : r.mirrors() == null ? List.<MirrorDoc>of() : r.mirrors()) {
                if (m.location() == null || m.location().isEmpty()) {
                    throw BerthException.invalid(op + ": a mirror of " + prefix + " has no location");
                }
                mirrors.add(new Mirror(m.location(), Boolean.TRUE.equals(m.insecure())));
            }
            out.add(new Registry(prefix, location, Boolean.TRUE.equals(r.insecure()), Boolean.TRUE.equals(r.blocked()),
                    mirrors));
        }
        List<String> search = doc.unqualifiedSearchRegistries() == null
                ? List.of(RegistryEndpoint.DOCKER_HUB) : doc.unqualifiedSearchRegistries();
        return new RegistriesConfig(search, out);
    }

    public List<String> unqualifiedSearchRegistries() {
        return unqualifiedSearchRegistries;
    }

    public List<Registry> registries() {
        return registries;
    }

    /**
     * Mirrors in order, then the origin, for the repository {@code domain/path}. A blocked registry is
     * FAILED_PRECONDITION.
     */
    public List<Source> sources(String domain, String path) {
        String name = domain + "/" + path;
        Registry match = null;
        for (Registry r : registries) {
            boolean matches = name.equals(r.prefix()) || name.startsWith(r.prefix() + "/");
            if (matches && (match == null || r.prefix().length() > match.prefix().length())) {
                match = r;
            }
        }
        if (match == null) {
            return List.of(new Source(new RegistryEndpoint(domain, false), path));
        }
        if (match.blocked()) {
            throw BerthException.conflict("pull " + name + ": registry " + match.prefix() + " is blocked by configuration");
        }
        String rest = name.substring(match.prefix().length());
        List<Source> out = new ArrayList<>();
        for (Mirror m : match.mirrors()) {
            out.add(source(m.location() + rest, m.insecure()));
        }
        out.add(source(match.location() + rest, match.insecure()));
        return out;
    }

    /**
     * The API endpoint of the registry {@code host} itself (no mirrors: credentials are checked at the
     * origin): a {@code [[registry]]} whose prefix is exactly the host gives its location and insecure flag.
     */
    public RegistryEndpoint endpoint(String host) {
        for (Registry r : registries) {
            if (r.prefix().equals(host)) {
                if (r.blocked()) {
                    throw BerthException.conflict("registry " + host + " is blocked by configuration");
                }
                int slash = r.location().indexOf('/');
                return new RegistryEndpoint(slash < 0 ? r.location() : r.location().substring(0, slash), r.insecure());
            }
        }
        return new RegistryEndpoint(host, false);
    }

    private static Source source(String location, boolean insecure) {
        int slash = location.indexOf('/');
        if (slash <= 0 || slash == location.length() - 1) {
            throw BerthException.invalid("pull " + location + ": a registry location needs a host and a repository");
        }
        return new Source(new RegistryEndpoint(location.substring(0, slash), insecure), location.substring(slash + 1));
    }
}
