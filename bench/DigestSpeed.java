import dev.berth.image.Sha256;
import dev.berth.oci.spec.image.Digest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * SHA-256 MB/s of the JDK's MessageDigest and of Berth's digest (libcrypto where it loads) over one file, in
 * the JVM's flags given (bench/digest.sh runs it with berthd's). 64 KiB updates, as the blob store makes.
 */
public class DigestSpeed {
    public static void main(String[] args) throws Exception {
        byte[] data = Files.readAllBytes(Path.of(args[0]));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        measure("jdk MessageDigest", Digest::newSha256, data, rounds);
        measure("berth Sha256 (" + (Sha256.isNative() ? "libcrypto" : "jdk fallback") + ")", Sha256::newDigest, data, rounds);
    }

    private static void measure(String name, Supplier<MessageDigest> digests, byte[] data, int rounds) {
        double best = 0;
        String hex = "";
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            MessageDigest md = digests.get();
            for (int off = 0; off < data.length; off += 1 << 16) {
                md.update(data, off, Math.min(1 << 16, data.length - off));
            }
            hex = HexFormat.of().formatHex(md.digest());
            double mbs = data.length / 1e6 / ((System.nanoTime() - t0) / 1e9);
            best = Math.max(best, mbs);
        }
        System.out.printf("%-32s best of %d: %7.0f MB/s  %s%n", name, rounds, best, hex);
    }
}
