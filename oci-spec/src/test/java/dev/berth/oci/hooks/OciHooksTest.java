package dev.berth.oci.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.berth.oci.spec.runtime.Hook;
import dev.berth.oci.spec.runtime.Hooks;
import dev.berth.oci.spec.runtime.Mount;
import dev.berth.oci.spec.runtime.Process;
import dev.berth.oci.spec.runtime.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciHooksTest {
    @TempDir
    Path tmp;
    Path usr;
    Path etc;
    Path bin;

    @BeforeEach
    void dirs() throws IOException {
        usr = Files.createDirectories(tmp.resolve("usr/share/containers/oci/hooks.d"));
        etc = Files.createDirectories(tmp.resolve("etc/containers/oci/hooks.d"));
        bin = Files.createFile(tmp.resolve("hook-bin"));
    }

    private void write(Path dir, String name, String when, String stages) throws IOException {
        write(dir, name, bin.toString(), when, stages);
    }

    private void write(Path dir, String name, String path, String when, String stages) throws IOException {
        Files.writeString(dir.resolve(name), """
                {"version":"1.0.0","hook":{"path":"%s","args":["hook","%s"],"timeout":5},"when":%s,"stages":%s}
                """.formatted(path, name, when, stages));
    }

    private static Spec spec(List<String> args, Map<String, String> annotations, List<Mount> mounts) {
        Process p = new Process(null, null, new Process.User(0, 0), args, null, "/", null, null, null, null, null, null);
        return new Spec("1.0.2", p, null, null, mounts, null, annotations, null);
    }

    private OciHooks load() {
        return OciHooks.load(List.of(usr, etc));
    }

    private static List<String> tags(List<Hook> hooks) {
        return hooks.stream().map(h -> h.args().get(1)).toList();
    }

    @Test
    void alwaysHooksAreAddedToAllTheirStagesInFileNameOrder() throws IOException {
        write(usr, "b.json", "{\"always\":true}", "[\"prestart\",\"poststop\"]");
        write(usr, "a.json", "{\"always\":true}", "[\"createRuntime\",\"prestart\"]");
        write(etc, "c.json", "{\"always\":true}", "[\"startContainer\"]");
        Spec out = load().apply(spec(List.of("sh"), null, null));
        assertEquals(List.of("a.json", "b.json"), tags(out.hooks().prestart()));
        assertEquals(List.of("a.json"), tags(out.hooks().createRuntime()));
        assertEquals(List.of("b.json"), tags(out.hooks().poststop()));
        assertEquals(List.of("c.json"), tags(out.hooks().startContainer()));
        assertEquals(List.of(), out.hooks().stage("poststart"));
        assertEquals(5, out.hooks().prestart().get(0).timeout());
        assertEquals(bin.toString(), out.hooks().prestart().get(0).path());
    }

    @Test
    void laterDirectoryOverridesTheSameFileName() throws IOException {
        write(usr, "x.json", "{\"always\":true}", "[\"prestart\"]");
        write(etc, "x.json", "{\"always\":true}", "[\"poststop\"]");
        Spec out = load().apply(spec(List.of("sh"), null, null));
        assertEquals(List.of(), out.hooks().stage("prestart"));
        assertEquals(List.of("x.json"), tags(out.hooks().poststop()));
        assertEquals(List.of("x.json"), load().names());
    }

    @Test
    void invalidFilesAreSkippedAndAnInvalidOverrideMasksTheEarlierHook() throws IOException {
        write(usr, "good.json", "{\"always\":true}", "[\"prestart\"]");
        write(usr, "masked.json", "{\"always\":true}", "[\"prestart\"]");
        Files.writeString(etc.resolve("masked.json"), "{not json");
        write(etc, "nopath.json", tmp.resolve("missing").toString(), "{\"always\":true}", "[\"prestart\"]");
        write(etc, "relative.json", "hook-bin", "{\"always\":true}", "[\"prestart\"]");
        write(etc, "stage.json", "{\"always\":true}", "[\"prestop\"]");
        write(etc, "nostages.json", "{\"always\":true}", "[]");
        write(etc, "regex.json", "{\"commands\":[\"(\"]}", "[\"prestart\"]");
        Files.writeString(etc.resolve("version.json"), """
                {"version":"2.0.0","hook":{"path":"%s"},"when":{"always":true},"stages":["prestart"]}
                """.formatted(bin));
        write(etc, "ignored.txt", "{\"always\":true}", "[\"prestart\"]");
        OciHooks hooks = load();
        assertEquals(List.of("good.json"), hooks.names());
        assertEquals(List.of("good.json"), tags(hooks.apply(spec(List.of("sh"), null, null)).hooks().prestart()));
    }

    @Test
    void conditionsAreOred() throws IOException {
        write(usr, "ann.json", "{\"annotations\":{\"^io\\\\.berth\\\\.gpu$\":\"^(true|yes)$\"}}", "[\"createRuntime\"]");
        write(usr, "cmd.json", "{\"commands\":[\"/nginx$\",\"^python\"]}", "[\"createRuntime\"]");
        write(usr, "bind.json", "{\"hasBindMounts\":true}", "[\"createRuntime\"]");
        write(usr, "never.json", "{\"always\":false,\"hasBindMounts\":false}", "[\"createRuntime\"]");
        write(usr, "both.json", "{\"annotations\":{\"team\":\"x\"},\"commands\":[\"^sh$\"]}", "[\"createRuntime\"]");
        OciHooks hooks = load();
        Mount bind = new Mount("/d", "bind", "/s", List.of("rbind"));
        Mount proc = new Mount("/proc", "proc", "proc", null);

        assertNull(hooks.apply(spec(List.of("/bin/true"), Map.of("io.berth.gpu", "false"), List.of(proc))).hooks());
        assertEquals(List.of("ann.json"), tags(hooks.apply(spec(List.of("/bin/true"), Map.of("io.berth.gpu", "yes"), null)).hooks().createRuntime()));
        assertEquals(List.of("cmd.json"), tags(hooks.apply(spec(List.of("/usr/sbin/nginx"), null, null)).hooks().createRuntime()));
        assertEquals(List.of("cmd.json"), tags(hooks.apply(spec(List.of("python3", "x"), null, null)).hooks().createRuntime()));
        assertEquals(List.of("bind.json"), tags(hooks.apply(spec(List.of("/bin/true"), null, List.of(proc, bind))).hooks().createRuntime()));
        assertEquals(List.of("both.json"), tags(hooks.apply(spec(List.of("sh"), null, null)).hooks().createRuntime()));
        assertEquals(List.of("both.json"), tags(hooks.apply(spec(List.of("/bin/true"), Map.of("my-team", "xyz"), null)).hooks().createRuntime()));
        assertEquals(List.of("bind.json", "both.json"),
                tags(hooks.apply(spec(List.of("sh", "python"), null, List.of(new Mount("/d", "none", "/s", List.of("bind"))))).hooks().createRuntime()),
                "a mount bound by option counts, and command regexes only look at args[0]");
    }

    @Test
    void existingHooksComeFirstAndUnmatchedSpecsAreReturnedAsIs() throws IOException {
        write(usr, "a.json", "{\"always\":true}", "[\"poststop\"]");
        Hook own = new Hook("/own", null, null, null);
        Spec base = spec(List.of("sh"), null, null).withHooks(Hooks.empty().plus("poststop", own));
        Spec out = load().apply(base);
        assertEquals(own, out.hooks().poststop().get(0));
        assertEquals(2, out.hooks().poststop().size());
        Spec plain = spec(List.of("sh"), null, null);
        assertSame(plain, OciHooks.none().apply(plain));
    }

    @Test
    void missingDirectoriesAreFine() {
        assertEquals(List.of(), OciHooks.load(List.of(tmp.resolve("nope"), tmp.resolve("also-nope"))).names());
    }
}
