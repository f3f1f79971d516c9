package dev.berth.daemon.api.model;

/** Body of POST /v1/containers/{ref}/update; each field optional. */
public record ContainerUpdate(Long memory, Double cpus, Long pidsLimit) {
}
