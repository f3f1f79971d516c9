package dev.berth.daemon.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** One image of GET /v1/images; config only in GET /v1/images/{ref}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageSummary(String id, List<String> names, String digest, long size, Instant createdAt,
        Object config) {
}
