package dev.berth.oci.spec.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.berth.oci.BerthException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:hex}. Only sha256 (64 lowercase hex digits) and sha512 (128),
 * the algorithms the image-spec registers, are accepted, so a digest can safely name a file.
 * Serialises to and from its string form.
 */
public final class Digest implements Comparable<Digest> {
    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA512_HEX = Pattern.compile("[0-9a-f]{128}");

    private final String algorithm;
    private final String hex;

    private Digest(String algorithm, String hex) {
        this.algorithm = algorithm;
        this.hex = hex;
    }

    /** Parses {@code sha256:<64 hex>}; throws BerthException INVALID_ARGUMENT otherwise. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Digest parse(String s) {
        if (s == null) {
            throw BerthException.invalid("parse digest: null");
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw BerthException.invalid("parse digest \"" + s + "\": missing algorithm prefix (sha256:)");
        }
        return of(s.substring(0, colon), s.substring(colon + 1));
    }

    public static Digest of(String algorithm, String hex) {
        Pattern p = switch (algorithm) {
            case SHA256 -> SHA256_HEX;
            case SHA512 -> SHA512_HEX;
            default -> throw BerthException.invalid(
                    "parse digest \"" + algorithm + ":" + hex + "\": unsupported algorithm \"" + algorithm + "\"");
        };
        if (!p.matcher(hex).matches()) {
            throw BerthException.invalid("parse digest \"" + algorithm + ":" + hex + "\": expected "
                    + (SHA256.equals(algorithm) ? 64 : 128) + " lowercase hex digits");
        }
        return new Digest(algorithm, hex);
    }

    /** True when {@code s} parses as a digest. */
    public static boolean isValid(String s) {
        try {
            parse(s);
            return true;
        } catch (BerthException e) {
            return false;
        }
    }

    public static Digest sha256Of(byte[] data) {
        return new Digest(SHA256, HexFormat.of().formatHex(newSha256().digest(data)));
    }

    /** Wraps a finished sha256 MessageDigest, for content hashed while streaming. */
    public static Digest sha256Of(MessageDigest finished) {
        if (!"SHA-256".equals(finished.getAlgorithm())) {
            throw new IllegalArgumentException("not a SHA-256 digest: " + finished.getAlgorithm());
        }
        return new Digest(SHA256, HexFormat.of().formatHex(finished.digest()));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    /** Whether {@code data} hashes to this digest. */
    public boolean matches(byte[] data) {
        try {
            String jdk = SHA256.equals(algorithm) ? "SHA-256" : "SHA-512";
            return HexFormat.of().formatHex(MessageDigest.getInstance(jdk).digest(data)).equals(hex);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without " + algorithm, e);
        }
    }

    public String algorithm() {
        return algorithm;
    }

    public String hex() {
        return hex;
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.algorithm.equals(algorithm) && d.hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return algorithm.hashCode() * 31 + hex.hashCode();
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
