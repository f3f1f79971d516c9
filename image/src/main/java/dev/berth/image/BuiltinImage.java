package dev.berth.image;

import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.ImageConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Berth's built-in image: a one-layer busybox userland from a static busybox binary, as an OCI layout with
 * ref name {@code latest} (import it as {@code localhost/busybox:latest}). Deterministic: the same busybox
 * gives the same digests.
 *
 * <p>{@code java -cp ... dev.berth.image.BuiltinImage <layout dir> [busybox binary, default /bin/busybox]}
 */
public final class BuiltinImage {
    public static final String REF_NAME = "latest";
    public static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private BuiltinImage() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: BuiltinImage <layout dir> [busybox binary, default /bin/busybox]");
            System.exit(2);
        }
        Descriptor d = write(Path.of(args[0]), Path.of(args.length > 1 ? args[1] : "/bin/busybox"));
        System.out.println(d.digest());
    }

    /** Writes the layout into {@code layoutDir}; returns the manifest descriptor. */
    public static Descriptor write(Path layoutDir, Path busybox) throws IOException, InterruptedException {
        OciLayoutWriter w = new OciLayoutWriter(layoutDir);
        w.addLayer(entries(Files.readAllBytes(busybox), applets(busybox)));
        ImageConfig.Config config = new ImageConfig.Config(null, null, List.of(PATH_ENV), null, List.of("sh"),
                null, null, null, null);
        return w.writeImage(new ImageConfig(null, null, "amd64", "linux", null, config, null, null), REF_NAME);
    }

    static List<OciLayoutWriter.Entry> entries(byte[] busybox, List<String> applets) {
        List<OciLayoutWriter.Entry> out = new ArrayList<>();
        for (String d : List.of("bin", "dev", "etc", "home", "proc", "sbin", "sys", "usr", "usr/bin", "usr/sbin",
                "var")) {
            out.add(OciLayoutWriter.Entry.dir(d, 0755));
        }
        out.add(OciLayoutWriter.Entry.dir("root", 0700));
        out.add(OciLayoutWriter.Entry.dir("tmp", 01777));
        out.add(OciLayoutWriter.Entry.file("bin/busybox", busybox, 0755));
        for (String applet : new TreeSet<>(applets)) {
            if (!applet.equals("bin/busybox")) {
                out.add(OciLayoutWriter.Entry.symlink(applet, "/bin/busybox"));
            }
        }
        out.add(OciLayoutWriter.Entry.file("etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"));
        out.add(OciLayoutWriter.Entry.file("etc/group", "root:x:0:\nnobody:x:65534:\n"));
        out.add(OciLayoutWriter.Entry.file("etc/hostname", "berth\n"));
        return out;
    }

    /** Applet paths, relative ("usr/bin/env"), from {@code busybox --list-full}. */
    static List<String> applets(Path busybox) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(busybox + " --list-full failed: " + out.strip());
        }
        List<String> applets = new ArrayList<>();
        for (String line : out.split("\n")) {
            String a = line.strip();
            while (a.startsWith("/")) a = a.substring(1);
            // Only plain relative paths: applet names become tar entry names.
            if (!a.isEmpty() && !a.contains("..") && a.contains("/")) applets.add(a);
        }
        return applets;
    }
}
