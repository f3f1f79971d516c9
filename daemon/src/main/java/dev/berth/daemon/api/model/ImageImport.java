package dev.berth.daemon.api.model;

/** Body of POST /v1/images/import. */
public record ImageImport(String path, String name) {
}
