package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Registry commands: {@code pull}, {@code login}, {@code logout}. */
public final class RegistryCommands {
    private RegistryCommands() {
    }

    @Command(name = "pull", description = "Pull an image from a registry.")
    public static final class Pull extends Cmd {
        @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
                description = "Platform to choose from a multi-platform image (default: the host's)")
        String platform;

        @Option(names = {"-q", "--quiet"}, description = "Print only the image id")
        boolean quiet;

        @Parameters(index = "0", paramLabel = "NAME[:TAG|@DIGEST]")
        String reference;

        @Override
        public Integer call() {
            Map<String, Object> image = Pulls.pull(api(), reference, platform, out(),
                    !quiet && Pulls.isTerminal(out(), root().env), quiet);
            if (quiet) {
                out().println(Json.str(image, "id", ""));
            }
            return 0;
        }
    }

    @Command(name = "login", description = "Log in to a registry: berthd checks and keeps the credentials.")
    public static final class Login extends Cmd {
        @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "User name")
        String username;

        @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD", description = "Password (prefer --password-stdin)")
        String password;

        @Option(names = "--password-stdin", description = "Read the password from stdin")
        boolean passwordStdin;

        @Parameters(index = "0", paramLabel = "REGISTRY")
        String registry;

        @Override
        public Integer call() throws IOException {
            if (password != null && passwordStdin) {
                throw new CliException("--password and --password-stdin are mutually exclusive");
            }
            Console console = System.console();
            String user = username;
            if (user == null || user.isEmpty()) {
                if (console == null || passwordStdin) {
                    throw new CliException("login to " + registry + ": a user name is required (-u USER)");
                }
                user = console.readLine("Username: ");
            }
            String pass = password;
            if (passwordStdin) {
                pass = readStdin();
            } else if (pass == null) {
                if (console == null) {
                    throw new CliException("login to " + registry
                            + ": a password is required (-p, or --password-stdin when stdin is not a terminal)");
                }
                char[] typed = console.readPassword("Password: ");
                pass = typed == null ? "" : new String(typed);
            } else {
                err().println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("registry", registry);
            body.put("username", user);
            body.put("password", pass);
            api().post("/v1/auth", body);
            out().println("Login Succeeded");
            return 0;
        }

        /** All of stdin less its trailing line break (echo adds one). */
        private String readStdin() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in().transferTo(buf);
            String s = buf.toString(StandardCharsets.UTF_8);
            while (s.endsWith("\n") || s.endsWith("\r")) {
                s = s.substring(0, s.length() - 1);
            }
            return s;
        }
    }

    @Command(name = "logout", description = "Log out from a registry: berthd forgets the credentials.")
    public static final class Logout extends Cmd {
        @Parameters(index = "0", paramLabel = "REGISTRY")
        String registry;

        @Override
        public Integer call() {
            try {
                api().delete("/v1/auth/" + Api.enc(registry));
            } catch (ApiException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
                // As Docker: logging out twice is not an error.
                out().println("Not logged in to " + registry);
                return 0;
            }
            out().println("Removing login credentials for " + registry);
            return 0;
        }
    }
}
