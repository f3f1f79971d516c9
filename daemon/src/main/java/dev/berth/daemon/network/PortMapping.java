package dev.berth.daemon.network;

/**
 * A host port forwarded to a pod port. {@code protocol} is tcp, udp or sctp (any case);
 * {@code hostIp} null or empty means every host address. A {@code hostPort} of 0 maps nothing (as in CRI).
 */
public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {
}
