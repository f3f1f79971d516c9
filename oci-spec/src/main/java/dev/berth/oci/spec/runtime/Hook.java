package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** One hook: an absolute path, its argv (args[0] included), env and a timeout in seconds. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
}
