package dev.berth.daemon.network;

/** The CRI NetworkReady condition: when not ready, a CamelCase reason and a message a person can act on. */
public record NetworkReadiness(boolean ready, String reason, String message) {
    static final String NOT_READY_REASON = "NetworkPluginNotReady";
    static final NetworkReadiness READY = new NetworkReadiness(true, "", "");

    static NetworkReadiness notReady(String message) {
        return new NetworkReadiness(false, NOT_READY_REASON, message);
    }
}
