package dev.berth.daemon.api.model;

/** Body of POST /v1/images/pull; credentials optional (anonymous otherwise). */
public record ImagePull(String reference, String platform, String username, String password) {
}
