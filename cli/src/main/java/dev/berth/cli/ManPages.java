package dev.berth.cli;

import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.util.Map;

/**
 * Build step, not part of the client: writes an AsciiDoc man page per command from the picocli model
 * (picocli-codegen's generator, on the build's class path only); {@code make install} turns them into
 * troff with asciidoctor.
 */
public final class ManPages {
    private ManPages() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ManPages OUTPUT_DIR");
        }
        write(new File(args[0]));
    }

    static void write(File dir) throws IOException {
        BerthCommand root = new BerthCommand(new ByteArrayInputStream(new byte[0]), System.out, System.err, Map.of());
        CommandLine all = Main.commandLine(root, null);
        // verbosity: none; force: overwrite pages of an earlier build
        int code = ManPageGenerator.generateManPage(dir, null, new boolean[0], true, all.getCommandSpec());
        if (code != 0) {
            throw new IOException("man page generation into " + dir + " failed: " + code);
        }
    }
}
