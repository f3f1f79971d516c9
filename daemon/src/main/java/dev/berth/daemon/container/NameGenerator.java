package dev.berth.daemon.container;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random container ids (64 hex digits, like Docker's) and readable default names. */
public final class NameGenerator {
    private static final String[] ADJECTIVES = {"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly",
        "keen", "lively", "merry", "nimble", "proud", "quiet", "rapid", "sharp", "steady", "swift", "tidy",
        "vivid", "witty"};
    private static final String[] NOUNS = {"anchor", "beacon", "buoy", "cargo", "deck", "dock", "ferry",
        "harbor", "hull", "keel", "mast", "pier", "quay", "rudder", "sail", "skiff", "stern", "tug", "wharf",
        "yacht"};
    private final SecureRandom random = new SecureRandom();

    public String newId() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    String newName() {
        return ADJECTIVES[random.nextInt(ADJECTIVES.length)] + "_" + NOUNS[random.nextInt(NOUNS.length)]
                + "_" + (100 + random.nextInt(900));
    }
}
