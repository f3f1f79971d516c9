package dev.berth.image;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.image.Descriptor;
import dev.berth.oci.spec.image.Index;
import dev.berth.oci.spec.image.Platform;

import java.util.List;

/** Choosing a manifest from an image index by platform, for imports and pulls alike. */
final class Platforms {
    private Platforms() {}

    /** {@code os/arch[/variant]}, as {@code --platform} takes it ({@code linux/arm64/v8}). */
    static Platform parse(String text) {
        String[] parts = text == null ? new String[0] : text.split("/", -1);
        if (parts.length < 2 || parts.length > 3 || List.of(parts).stream().anyMatch(String::isEmpty)) {
            throw BerthException.invalid("parse platform '" + text + "': expected os/arch[/variant]");
        }
        return new Platform(parts[1], parts[0], null, null, parts.length == 3 ? parts[2] : null);
    }

    static String format(Platform p) {
        return p.os() + "/" + p.architecture() + (p.variant() == null ? "" : "/" + p.variant());
    }

    /** The first entry for {@code want}'s os and architecture (and variant, if it names one). */
    static Descriptor choose(Index index, Platform want, String op) {
        List<Descriptor> all = index.manifests() == null ? List.of() : index.manifests();
        for (Descriptor d : all) {
            Platform p = d.platform();
            if (p != null && want.os().equals(p.os()) && want.architecture().equals(p.architecture())
                    && (want.variant() == null || want.variant().equals(p.variant()))) {
                return d;
            }
        }
        List<String> offered = all.stream().filter(d -> d.platform() != null).map(d -> format(d.platform())).toList();
        throw BerthException.notFound(op + ": no manifest for " + format(want) + " in the image index (it has "
                + offered + ")");
    }
}
