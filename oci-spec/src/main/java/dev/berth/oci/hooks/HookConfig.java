package dev.berth.oci.hooks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.berth.oci.spec.runtime.Hook;
import java.util.List;
import java.util.Map;

/**
 * One hook file in the oci-hooks 1.0.0 format of CRI-O and Podman (containers/common
 * pkg/hooks/1.0.0, man page oci-hooks(5)).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record HookConfig(String version, Hook hook, When when, List<String> stages) {
    public static final String VERSION = "1.0.0";

    /**
     * When the hook applies; the conditions are OR'ed. annotations maps a key regex to a value regex,
     * commands are regexes on process.args[0]; regexes are unanchored (Go's MatchString), in Java
     * syntax.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record When(Boolean always, Map<String, String> annotations, List<String> commands, Boolean hasBindMounts) {
    }
}
