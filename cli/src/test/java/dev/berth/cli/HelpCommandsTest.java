package dev.berth.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Completion scripts, man pages and the answer to an unknown command: all from the picocli model, no daemon. */
class HelpCommandsTest {
    @Test
    void bashAndZshCompletionKnowEveryCommandAndItsOptions() {
        for (String shell : new String[] {"bash", "zsh"}) {
            Cli r = Cli.run(null, "completion", shell);
            assertEquals(0, r.code, r.toString());
            assertTrue(r.out.contains("complete -F _complete_berth"), r.out.substring(0, 200));
            assertTrue(r.out.contains("bashcompinit"), "zsh needs bashcompinit to load the script");
            for (String command : new String[] {"run", "ps", "logs", "image", "completion"}) {
                assertTrue(r.out.contains(" " + command), shell + " script lacks " + command);
            }
            assertTrue(r.out.contains("--memory") && r.out.contains("--pull"), shell);
            assertFalse(r.out.contains("__cds-training"), "a hidden command is completed");
        }
    }

    @Test
    void bashCompletesACommandAndAnOptionFromTheScript(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("berth"), Cli.run(null, "completion", "bash").out);
        Process p = new ProcessBuilder("bash", "-c", "source \"$0\" 2>/dev/null;"
                + " COMP_WORDS=(berth ne); COMP_CWORD=1; _complete_berth 2>/dev/null; echo \"${COMPREPLY[*]}\";"
                + " COMP_WORDS=(berth run --mem); COMP_CWORD=2; _complete_berth 2>/dev/null; echo \"${COMPREPLY[*]}\"",
                script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertEquals("network\n--memory\n", out);
    }

    @Test
    void fishCompletionHasALinePerCommandAndOption() {
        Cli r = Cli.run(null, "completion", "fish");
        assertEquals(0, r.code, r.toString());
        assertTrue(r.out.contains("complete -c berth -n __fish_use_subcommand -a run -d 'Create and start a container"),
                r.out);
        assertTrue(r.out.contains("complete -c berth -n '__fish_seen_subcommand_from run' -s m -l memory -r -d "), r.out);
        assertTrue(r.out.contains("complete -c berth -n '__fish_seen_subcommand_from ps' -s a -l all -d "), r.out);
        assertFalse(r.out.contains("-a destroy"), "an alias gets a line of its own");
        assertFalse(r.out.contains("__cds-training"), "a hidden command is completed");
    }

    @Test
    void anUnknownShellIsRefused() {
        Cli r = Cli.run(null, "completion", "tcsh");
        assertEquals(125, r.code);
        assertEquals("Error: unknown shell 'tcsh': bash, zsh or fish\n", r.err);
    }

    @Test
    void anUnknownCommandNamesTheClosestOne() {
        Cli r = Cli.run(null, "pss");
        assertEquals(125, r.code);
        assertEquals("Error: unknown command 'pss' for 'berth'\nDid you mean 'ps'?\nSee 'berth --help'.\n", r.err);
        Cli nested = Cli.run(null, "image", "lss");
        assertEquals(125, nested.code);
        assertTrue(nested.err.startsWith("Error: unknown command 'lss' for 'berth image'\nDid you mean 'ls'?\n"), nested.err);
        Cli far = Cli.run(null, "qqqqqqqq");
        assertEquals("Error: unknown command 'qqqqqqqq' for 'berth'\nSee 'berth --help'.\n", far.err);
        // an unknown option is still a plain parse error
        Cli option = Cli.run(null, "ps", "--no-such-option");
        assertTrue(option.err.startsWith("Error: Unknown option: '--no-such-option'"), option.err);
    }

    @Test
    void everyCommandGetsAManPage(@TempDir Path dir) throws IOException {
        ManPages.write(dir.toFile());
        for (String page : new String[] {"berth", "berth-run", "berth-ps", "berth-image-pull", "berth-completion"}) {
            assertTrue(Files.exists(dir.resolve(page + ".adoc")), page);
        }
        String run = Files.readString(dir.resolve("berth-run.adoc"));
        assertTrue(run.contains(":doctype: manpage") && run.contains("--memory"), run);
        assertFalse(Files.exists(dir.resolve("berth-__cds-training.adoc")), "a hidden command got a page");
    }
}
