package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** One entry of {@code mounts}. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Mount(String destination, String type, String source, List<String> options) {

    /** True for a bind mount, whether marked by type or (as runc also accepts) by option. */
    public boolean bind() {
        return "bind".equals(type)
                || (options != null && (options.contains("bind") || options.contains("rbind")));
    }
}
