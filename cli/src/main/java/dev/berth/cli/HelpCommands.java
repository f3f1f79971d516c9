package dev.berth.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code completion}: shell completion scripts generated from the commands' own model. */
public final class HelpCommands {
    private HelpCommands() {
    }

    @Command(description = "Print a shell completion script (bash, zsh or fish). "
            + "bash: source <(berth completion bash); zsh: the same line in ~/.zshrc; "
            + "fish: berth completion fish > ~/.config/fish/completions/berth.fish")
    public static final class Completion extends Cmd {
        @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish")
        String shell;

        @Override
        public Integer call() {
            // The dispatch table builds only the command asked for; completion needs them all.
            CommandLine all = Main.commandLine(new BerthCommand(in(), out(), err(), root().env), null);
            switch (shell) {
                case "bash":
                case "zsh":
                    // picocli's script carries its own zsh set-up (bashcompinit) when sourced by zsh
                    out().print(AutoComplete.bash("berth", all));
                    break;
                case "fish":
                    out().print(FishCompletion.script(all));
                    break;
                default:
                    throw new CliException("unknown shell '" + shell + "': bash, zsh or fish");
            }
            out().flush();
            return 0;
        }
    }
}
