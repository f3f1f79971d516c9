package dev.berth.image.registry;

import java.net.URI;

/**
 * A registry API host ({@code host[:port]}) and whether it is insecure: reached over TLS without certificate
 * verification, or over plain http when it does not speak TLS (as registries.conf's {@code insecure}).
 * Loopback registries are insecure without configuration and always reached over plain http, as Docker does.
 * {@code docker.io} is the name in references; its API lives at {@code registry-1.docker.io}.
 */
public record RegistryEndpoint(String host, boolean insecure) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DOCKER_HUB_API = "registry-1.docker.io";

    public RegistryEndpoint {
        if (DOCKER_HUB.equals(host)) {
            host = DOCKER_HUB_API;
        }
        insecure = insecure || isLoopback(host);
    }

    /** The first URI to try: plain http for loopback, else https. */
    URI uri(String path) {
        return URI.create((isLoopback(host) ? "http://" : "https://") + host + path);
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
