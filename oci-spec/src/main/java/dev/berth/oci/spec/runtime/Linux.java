package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * {@code linux}. Seccomp is kept as a raw JSON tree: Berth passes profiles through to runc and does
 * not edit them, so a typed model would only lose fields.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Linux(
        List<Namespace> namespaces,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        List<Device> devices,
        String cgroupsPath,
        LinuxResources resources,
        String rootfsPropagation,
        JsonNode seccomp,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        Map<String, String> sysctl,
        String mountLabel) {

    /** type: pid, network, mount, ipc, uts, user, cgroup (time in 1.1); path joins an existing one. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(String type, String path) {
        public Namespace(String type) {
            this(type, null);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IdMapping(@JsonProperty("containerID") long containerId,
                            @JsonProperty("hostID") long hostId,
                            long size) {
    }

    /** A device node runc creates in the container (not a cgroup rule, see LinuxResources.DeviceRule). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Device(String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {
    }

    public Linux withNamespaces(List<Namespace> v) { return new Linux(v, uidMappings, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withUidMappings(List<IdMapping> v) { return new Linux(namespaces, v, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withGidMappings(List<IdMapping> v) { return new Linux(namespaces, uidMappings, v, devices, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withDevices(List<Device> v) { return new Linux(namespaces, uidMappings, gidMappings, v, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withCgroupsPath(String v) { return new Linux(namespaces, uidMappings, gidMappings, devices, v, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withResources(LinuxResources v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, v, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withRootfsPropagation(String v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, resources, v, seccomp, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withSeccomp(JsonNode v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, v, maskedPaths, readonlyPaths, sysctl, mountLabel); }
    public Linux withMaskedPaths(List<String> v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, seccomp, v, readonlyPaths, sysctl, mountLabel); }
    public Linux withReadonlyPaths(List<String> v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, v, sysctl, mountLabel); }
    public Linux withSysctl(Map<String, String> v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, v, mountLabel); }
    public Linux withMountLabel(String v) { return new Linux(namespaces, uidMappings, gidMappings, devices, cgroupsPath, resources, rootfsPropagation, seccomp, maskedPaths, readonlyPaths, sysctl, v); }
}
