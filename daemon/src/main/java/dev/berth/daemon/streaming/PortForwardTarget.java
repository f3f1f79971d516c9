package dev.berth.daemon.streaming;

/** A CRI PortForward request: connections to ports of the pod's network namespace. */
record PortForwardTarget(String podSandboxId) {
}
