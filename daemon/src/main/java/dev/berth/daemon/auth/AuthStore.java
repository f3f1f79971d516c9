package dev.berth.daemon.auth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.berth.image.registry.RegistriesConfig;
import dev.berth.image.registry.RegistryCredentials;
import dev.berth.image.registry.RegistryEndpoint;
import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Registry credentials saved by {@code berth login}: {@code ROOT/auth.json}, shaped like Docker's
 * config.json ({@code {"auths": {"HOST": {"auth": base64(user:password)}}}}) and, like it, not encrypted:
 * the file is root's alone (0600, written atomically). Keys are registry API hosts as pulls reach them
 * ({@code docker.io} is {@code registry-1.docker.io}), so a pull finds them by the host it talks to.
 * Thread-safe.
 */
public final class AuthStore {
    private static final System.Logger LOG = System.getLogger(AuthStore.class.getName());
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Entry(String auth) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Doc(Map<String, Entry> auths) {
    }

    private final Path file;
    /** Guarded by this. */
    private final Map<String, Entry> auths = new TreeMap<>();

    public AuthStore(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try {
                Doc doc = OciJson.read(file, Doc.class);
                if (doc.auths() != null) {
                    auths.putAll(doc.auths());
                }
            } catch (BerthException unreadable) {
                setAside(unreadable);
            }
        }
    }

    /**
     * An unreadable file costs the logins, not the start of berthd and its containers: it is moved aside
     * (for whoever wants to read the credentials back) and the store starts empty.
     */
    private void setAside(BerthException unreadable) {
        Path aside = file.resolveSibling(file.getFileName() + ".broken");
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            // It may hold credentials still: root's alone, as the file it was.
            Files.setPosixFilePermissions(aside, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw BerthException.internal("move the unreadable " + file + " aside: " + e.getMessage(), e);
        }
        LOG.log(Level.WARNING, "registry credentials unreadable ({0}): starting with none (berth login again);"
                + " the old file is kept as {1}", unreadable.getMessage(), aside);
    }

    /**
     * The registry a user typed, as pulls reach it (its {@code host()} is the key here):
     * {@code https://index.docker.io/v1/} and {@code docker.io} are Docker Hub; a scheme and a path are
     * dropped; the registries config may map the host elsewhere or make it plain http.
     */
    public static RegistryEndpoint endpoint(String registry, RegistriesConfig config) {
        String host = registry.trim();
        int scheme = host.indexOf("://");
        if (scheme >= 0) {
            host = host.substring(scheme + 3);
        }
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            throw BerthException.invalid("registry credentials: '" + registry + "' names no registry host");
        }
        if (host.equals("index.docker.io")) {
            host = "docker.io";
        }
        return config.endpoint(host);
    }

    public synchronized void put(String key, RegistryCredentials credentials) {
        String auth = Base64.getEncoder().encodeToString((credentials.username() + ":" + credentials.password())
                .getBytes(StandardCharsets.UTF_8));
        auths.put(key, new Entry(auth));
        save();
    }

    /** Returns false when there was nothing stored for {@code key}. */
    public synchronized boolean remove(String key) {
        if (auths.remove(key) == null) {
            return false;
        }
        save();
        return true;
    }

    /** The credentials stored for the registry API host, or null. */
    public synchronized RegistryCredentials get(String host) {
        Entry e = auths.get(host.toLowerCase(Locale.ROOT));
        return e == null || e.auth() == null ? null : RegistryCredentials.fromAuth(e.auth());
    }

    private void save() {
        // writeAtomically's temp file is 0600 and the rename keeps that mode: the file is never readable by others.
        OciJson.writeAtomically(file, new Doc(new TreeMap<>(auths)));
    }
}
