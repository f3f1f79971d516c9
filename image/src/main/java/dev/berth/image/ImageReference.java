package dev.berth.image;

import dev.berth.oci.BerthException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image name in Docker's reference grammar: {@code [domain/]path[:tag][@digest]}. The first component
 * is a domain when it is {@code localhost} or contains a '.' or ':' (or an upper-case letter, as Docker
 * does), and only when more components follow.
 *
 * <p>Berth's normal form: a name without a domain is local and gets {@code localhost/} (images only arrive
 * by import for now); a name without tag and digest gets {@code :latest}; {@code docker.io/x} is
 * {@code docker.io/library/x}. {@link #candidates(String)} gives the lookup order for short names.
 */
public final class ImageReference {
    public static final String LOCAL_DOMAIN = "localhost";
    public static final String DOCKER_DOMAIN = "docker.io";
    public static final String DEFAULT_TAG = "latest";
    private static final int MAX_NAME_LENGTH = 255;

    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
                    + "(?::[0-9]+)?");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");

    private final String domain; // "" when the text had none
    private final String path;
    private final String tag;    // null when absent
    private final String digest; // null when absent

    private ImageReference(String domain, String path, String tag, String digest) {
        this.domain = domain;
        this.path = path;
        this.tag = tag;
        this.digest = digest;
    }

    /** Parses without adding defaults; INVALID_ARGUMENT with the reason for a bad reference. */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw invalid(String.valueOf(text), "empty reference");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw invalid(text, "bad digest '" + digest + "'");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "bad tag '" + tag + "' (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')");
            }
        }
        if (rest.isEmpty()) {
            throw invalid(text, "empty name");
        }
        if (rest.length() > MAX_NAME_LENGTH) {
            throw invalid(text, "name longer than " + MAX_NAME_LENGTH + " characters");
        }
        String domain = "";
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.equals(LOCAL_DOMAIN) || first.contains(".") || first.contains(":") || !first.equals(first.toLowerCase())) {
                domain = first;
                path = rest.substring(slash + 1);
                if (!DOMAIN.matcher(domain).matches()) {
                    throw invalid(text, "bad registry domain '" + domain + "'");
                }
            }
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw invalid(text, "bad name component '" + component
                        + "' (lower-case letters and digits, separated by '.', '_', '__' or '-')");
            }
        }
        return new ImageReference(domain, path, tag, digest);
    }

    /** Parses and adds Berth's defaults: {@code busybox} becomes {@code localhost/busybox:latest}. */
    public static ImageReference normalize(String text) {
        return parse(text).normalized();
    }

    public ImageReference normalized() {
        return withDomainDefault(LOCAL_DOMAIN);
    }

    private ImageReference withDomainDefault(String defaultDomain) {
        String d = domain.isEmpty() ? defaultDomain : domain;
        String p = path;
        if (d.equals(DOCKER_DOMAIN) && !p.contains("/")) {
            p = "library/" + p;
        }
        String t = (tag == null && digest == null) ? DEFAULT_TAG : tag;
        return new ImageReference(d, p, t, digest);
    }

    /**
     * Full names to try, in order, when resolving what a user typed: a name with a domain is itself; a
     * short name is looked up as {@code localhost/...} then {@code docker.io/...} (with {@code library/} for
     * one-component names).
     */
    public static List<String> candidates(String text) {
        ImageReference ref = parse(text);
        List<String> out = new ArrayList<>();
        if (!ref.domain.isEmpty()) {
            out.add(ref.normalized().toString());
        } else {
            out.add(ref.withDomainDefault(LOCAL_DOMAIN).toString());
            out.add(ref.withDomainDefault(DOCKER_DOMAIN).toString());
        }
        return out;
    }

    public String domain() { return domain; }
    public String path() { return path; }
    public Optional<String> tag() { return Optional.ofNullable(tag); }
    public Optional<String> digest() { return Optional.ofNullable(digest); }

    /** {@code domain/path} without tag or digest. */
    public String repository() {
        return domain.isEmpty() ? path : domain + "/" + path;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(repository());
        if (tag != null) sb.append(':').append(tag);
        if (digest != null) sb.append('@').append(digest);
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageReference r && r.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return Objects.hash(toString());
    }

    private static BerthException invalid(String text, String why) {
        return BerthException.invalid("parse image reference '" + text + "': " + why);
    }
}
