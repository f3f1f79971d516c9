package dev.berth.oci.hooks;

import dev.berth.oci.BerthException;
import dev.berth.oci.json.OciJson;
import dev.berth.oci.spec.runtime.Hooks;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The OCI hooks configured on the host, loaded once from hook directories, added to container
 * specs by {@link #apply(Spec)}.
 *
 * <p>Only {@code *.json} files count. A file in a later directory replaces the one of the same name
 * in an earlier directory, even when it is invalid: an administrator can mask a vendor hook by
 * name. Invalid files are skipped with a warning rather than failing every container.
 */
public final class OciHooks {
    private static final System.Logger LOG = System.getLogger(OciHooks.class.getName());

    /** Where CRI-O and Podman look, in precedence order (later wins). */
    public static final List<Path> DEFAULT_DIRS = List.of(
            Path.of("/usr/share/containers/oci/hooks.d"), Path.of("/etc/containers/oci/hooks.d"));

    private record Loaded(String name, HookConfig config, List<Pattern[]> annotations, List<Pattern> commands) {
    }

    private final List<Loaded> hooks;

    private OciHooks(List<Loaded> hooks) {
        this.hooks = hooks;
    }

    public static OciHooks none() {
        return new OciHooks(List.of());
    }

    /** Loads the hook files of {@code dirs} (missing directories are skipped). */
    public static OciHooks load(List<Path> dirs) {
        Map<String, Path> byName = new TreeMap<>();
        for (Path dir : dirs) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
                for (Path f : ds) {
                    byName.put(f.getFileName().toString(), f);
                }
            } catch (NoSuchFileException e) {
                // Hook directories are optional.
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "skip OCI hook directory " + dir + ": " + e);
            }
        }
        List<Loaded> loaded = new ArrayList<>();
        for (Map.Entry<String, Path> e : byName.entrySet()) {
            try {
                loaded.add(load(e.getKey(), e.getValue()));
            } catch (BerthException ex) {
                LOG.log(System.Logger.Level.WARNING, "skip OCI hook file: " + ex.getMessage());
            }
        }
        return new OciHooks(List.copyOf(loaded));
    }

    private static Loaded load(String name, Path file) {
        if (!Files.isRegularFile(file)) {
            throw BerthException.invalid(file + ": not a regular file");
        }
        HookConfig c = OciJson.read(file, HookConfig.class);
        if (!HookConfig.VERSION.equals(c.version())) {
            throw BerthException.invalid(file + ": unsupported version \"" + c.version() + "\" (expected " + HookConfig.VERSION + ")");
        }
        if (c.hook() == null || c.hook().path() == null || c.hook().path().isEmpty()) {
            throw BerthException.invalid(file + ": missing required property hook.path");
        }
        if (!c.hook().path().startsWith("/")) {
            throw BerthException.invalid(file + ": hook.path \"" + c.hook().path() + "\" is not absolute");
        }
        if (!Files.exists(Path.of(c.hook().path()))) {
            throw BerthException.invalid(file + ": hook.path " + c.hook().path() + " does not exist");
        }
        if (c.hook().timeout() != null && c.hook().timeout() <= 0) {
            throw BerthException.invalid(file + ": hook.timeout must be positive");
        }
        if (c.stages() == null || c.stages().isEmpty()) {
            throw BerthException.invalid(file + ": missing required property stages");
        }
        for (String s : c.stages()) {
            if (!Hooks.STAGES.contains(s)) {
                throw BerthException.invalid(file + ": unknown stage \"" + s + "\"");
            }
        }
        if (c.when() == null) {
            throw BerthException.invalid(file + ": missing required property when");
        }
        List<Pattern[]> annotations = new ArrayList<>();
        List<Pattern> commands = new ArrayList<>();
        try {
            if (c.when().annotations() != null) {
                for (Map.Entry<String, String> a : c.when().annotations().entrySet()) {
                    annotations.add(new Pattern[] {Pattern.compile(a.getKey()), Pattern.compile(a.getValue())});
                }
            }
            if (c.when().commands() != null) {
                for (String cmd : c.when().commands()) {
                    commands.add(Pattern.compile(cmd));
                }
            }
        } catch (PatternSyntaxException ex) {
            throw BerthException.invalid(file + ": invalid regular expression: " + ex.getMessage());
        }
        return new Loaded(name, c, List.copyOf(annotations), List.copyOf(commands));
    }

    /** The valid hook files, by file name. */
    public List<String> names() {
        return hooks.stream().map(Loaded::name).toList();
    }

    /** The valid hook configs, ordered by file name. */
    public List<HookConfig> configs() {
        return hooks.stream().map(Loaded::config).toList();
    }

    /**
     * {@code spec} with the matching hooks appended to their stages, after the hooks it already has,
     * in file name order.
     */
    public Spec apply(Spec spec) {
        Hooks h = spec.hooks() != null ? spec.hooks() : Hooks.empty();
        boolean changed = false;
        for (Loaded l : hooks) {
            if (matches(l, spec)) {
                for (String stage : l.config.stages()) {
                    h = h.plus(stage, l.config.hook());
                    changed = true;
                }
            }
        }
        return changed ? spec.withHooks(h) : spec;
    }

    /** containers/common When.Match: always, any annotation, any command, or bind mounts. */
    private static boolean matches(Loaded l, Spec spec) {
        HookConfig.When w = l.config.when();
        if (Boolean.TRUE.equals(w.always())) {
            return true;
        }
        if (Boolean.TRUE.equals(w.hasBindMounts()) && spec.mounts() != null
                && spec.mounts().stream().anyMatch(Mount::bind)) {
            return true;
        }
        Map<String, String> annotations = spec.annotations() != null ? spec.annotations() : Collections.emptyMap();
        for (Pattern[] kv : l.annotations) {
            for (Map.Entry<String, String> a : annotations.entrySet()) {
                if (kv[0].matcher(a.getKey()).find() && kv[1].matcher(a.getValue()).find()) {
                    return true;
                }
            }
        }
        if (spec.process() != null && spec.process().args() != null && !spec.process().args().isEmpty()) {
            String command = spec.process().args().get(0);
            for (Pattern p : l.commands) {
                if (p.matcher(command).find()) {
                    return true;
                }
            }
        }
        return false;
    }
}
