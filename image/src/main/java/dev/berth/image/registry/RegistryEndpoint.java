package dev.berth.image.registry;

import java.net.URI;

/**
 * A registry API host ({@code host[:port]}) and whether it is spoken to over plain http.
 * {@code docker.io} is the name in references; its API lives at {@code registry-1.docker.io}.
 */
public record RegistryEndpoint(String host, boolean insecure) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DOCKER_HUB_API = "registry-1.docker.io";

    public RegistryEndpoint {
        if (DOCKER_HUB.equals(host)) {
            host = DOCKER_HUB_API;
        }
        // Docker talks to loopback registries over plain http without being told to: so does Berth.
        insecure = insecure || isLoopback(host);
    }

    URI uri(String path) {
        return URI.create((insecure ? "http://" : "https://") + host + path);
    }

    static boolean isLoopback(String hostPort) {
        String h = hostPort;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(1, end);
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.equals("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
