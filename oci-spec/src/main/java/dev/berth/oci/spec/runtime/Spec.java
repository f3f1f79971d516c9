package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime-spec {@code config.json} (1.0.2, with the 1.1 hook stages). Immutable: change it
 * with the {@code with*} methods. Nulls and empty collections are left out of the JSON and unknown
 * fields are ignored on read, so a document written by a newer runtime still loads.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Spec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        List<Mount> mounts,
        Hooks hooks,
        Map<String, String> annotations,
        Linux linux) {

    public static final String OCI_VERSION = "1.0.2";

    public Spec withOciVersion(String v) { return new Spec(v, process, root, hostname, mounts, hooks, annotations, linux); }
    public Spec withProcess(Process v) { return new Spec(ociVersion, v, root, hostname, mounts, hooks, annotations, linux); }
    public Spec withRoot(Root v) { return new Spec(ociVersion, process, v, hostname, mounts, hooks, annotations, linux); }
    public Spec withHostname(String v) { return new Spec(ociVersion, process, root, v, mounts, hooks, annotations, linux); }
    public Spec withMounts(List<Mount> v) { return new Spec(ociVersion, process, root, hostname, v, hooks, annotations, linux); }
    public Spec withHooks(Hooks v) { return new Spec(ociVersion, process, root, hostname, mounts, v, annotations, linux); }
    public Spec withAnnotations(Map<String, String> v) { return new Spec(ociVersion, process, root, hostname, mounts, hooks, v, linux); }
    public Spec withLinux(Linux v) { return new Spec(ociVersion, process, root, hostname, mounts, hooks, annotations, v); }
}
