package dev.berth.oci.spec.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.oci.BerthException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
    private static final String EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void sha256OfKnownVectors() {
        assertEquals(EMPTY, Digest.sha256Of(new byte[0]).toString());
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Digest.sha256Of("abc".getBytes(StandardCharsets.US_ASCII)).hex());
    }

    @Test
    void streamingDigestMatchesOneShot() {
        MessageDigest md = Digest.newSha256();
        md.update("ab".getBytes(StandardCharsets.US_ASCII));
        md.update("c".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Digest.sha256Of("abc".getBytes(StandardCharsets.US_ASCII)), Digest.sha256Of(md));
    }

    @Test
    void parseSplitsAlgorithmAndHex() {
        Digest d = Digest.parse(EMPTY);
        assertEquals("sha256", d.algorithm());
        assertEquals(EMPTY.substring(7), d.hex());
        assertEquals(EMPTY, d.toString());
        assertEquals(Digest.sha256Of(new byte[0]), d);
        assertTrue(d.matches(new byte[0]));
        assertFalse(d.matches(new byte[1]));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "sha256", "sha256:", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
        "sha256:../../../../etc/passwd0000000000000000000000000000000000000000000",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        " sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})
    void invalidDigestsAreRejected(String s) {
        BerthException e = assertThrows(BerthException.class, () -> Digest.parse(s));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("parse digest"), e.getMessage());
        assertFalse(Digest.isValid(s));
    }

    @Test
    void nullIsRejected() {
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, assertThrows(BerthException.class, () -> Digest.parse(null)).kind());
    }

    @Test
    void sha512IsAccepted() {
        Digest d = Digest.parse("sha512:" + "a".repeat(128));
        assertEquals("sha512", d.algorithm());
    }
}
