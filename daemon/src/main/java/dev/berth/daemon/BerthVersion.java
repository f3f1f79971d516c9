package dev.berth.daemon;

/** The build's version, filled in from the jar manifest. */
public final class BerthVersion {
    public static final String VERSION = orDefault(BerthVersion.class.getPackage().getImplementationVersion(), "dev");
    public static final String GIT_COMMIT = orDefault(System.getProperty("berth.gitCommit"), "unknown");

    private BerthVersion() {
    }

    private static String orDefault(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
