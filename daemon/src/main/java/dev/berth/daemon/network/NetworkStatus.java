package dev.berth.daemon.network;

import java.util.List;

/** The pod's addresses on its interface, without prefix length: IPv4 first when it has one. */
public record NetworkStatus(String ip, List<String> additionalIps) {
    public NetworkStatus {
        additionalIps = List.copyOf(additionalIps);
    }
}
