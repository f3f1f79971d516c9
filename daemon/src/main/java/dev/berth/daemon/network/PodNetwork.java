package dev.berth.daemon.network;

/**
 * A pod sandbox's network: what the CRI's RunPodSandbox, StopPodSandbox and Status need. Calls for the
 * same pod must be serialized by the caller; calls for different pods may run concurrently.
 */
public interface PodNetwork {
    /** Connects the pod's network namespace; fails, leaving nothing behind, if any step fails. */
    NetworkStatus attach(PodNetworkRequest request);

    /**
     * Disconnects the pod and releases what {@link #attach} took. Idempotent, and works when the
     * pod's network namespace is already gone; but call it before removing the namespace: plugins
     * undo some things (the bridge plugin's ipMasq rule) only through the pod's interface.
     */
    void detach(PodNetworkRequest request);

    /** Whether pods can be attached now, for the CRI Status NetworkReady condition. */
    NetworkReadiness readiness();
}
