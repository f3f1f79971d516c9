package dev.berth.image;

import dev.berth.oci.spec.image.Digest;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The libcrypto digest against the JDK's, on random data of odd sizes fed in odd pieces. */
class Sha256Test {
    @Test
    void libcryptoIsUsedWhereInstalled() {
        // libssl3 is in the host packages (and Debian's base): the fast digest must be the one in use.
        assertTrue(Sha256.isNative(), "libcrypto did not load");
        assertNotEquals(Digest.newSha256().getClass(), Sha256.newDigest().getClass());
    }

    @Test
    void agreesWithTheJdkOnRandomDataOfOddSizes() {
        Random random = new Random(19);
        int[] sizes = {0, 1, 3, 55, 56, 63, 64, 65, 511, 16_383, 16_384, 16_385, 65_537, 1_000_003, 3_333_333};
        for (int size : sizes) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            MessageDigest jdk = Digest.newSha256();
            jdk.update(data);
            String want = HexFormat.of().formatHex(jdk.digest());

            MessageDigest ours = Sha256.newDigest();
            int pos = 0;
            while (pos < size) {
                // Pieces from single bytes to over the batch size, at odd offsets into the array.
                int piece = Math.min(size - pos, switch (random.nextInt(4)) {
                    case 0 -> 1;
                    case 1 -> 1 + random.nextInt(600);
                    case 2 -> 1 + random.nextInt(20_000);
                    default -> 1 + random.nextInt(200_000);
                });
                if (piece == 1) {
                    ours.update(data[pos]);
                } else {
                    ours.update(data, pos, piece);
                }
                pos += piece;
            }
            assertEquals(want, HexFormat.of().formatHex(ours.digest()), "size " + size);
            // digest() resets: the same object hashes the next input from scratch.
            ours.update(data, 0, size);
            assertEquals(want, HexFormat.of().formatHex(ours.digest()), "size " + size + " after reset");
            ours.update(data, 0, size);
            assertEquals("sha256:" + want, Digest.sha256Of(ours).toString());
        }
    }
}
