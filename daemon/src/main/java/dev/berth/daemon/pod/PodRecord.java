package dev.berth.daemon.pod;

import dev.berth.daemon.network.PortMapping;
import dev.berth.oci.bundle.SecurityOptions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A pod sandbox as berthd keeps it in pod.json: what kubelet asked for and what Berth made for it.
 *
 * @param name             k8s_POD_name_namespace_uid_attempt, unique among live pods
 * @param netns            the pinned network namespace file, null when the pod uses the host's network
 * @param infraContainerId the container that holds the pod's IPC, UTS (and PID) namespaces
 */
public record PodRecord(
        String id,
        String name,
        Metadata metadata,
        State state,
        Instant createdAt,
        String hostname,
        String logDirectory,
        String runtimeHandler,
        String cgroupParent,
        NamespaceMode network,
        NamespaceMode pid,
        NamespaceMode ipc,
        Dns dns,
        List<PortMapping> portMappings,
        Map<String, String> sysctls,
        Map<String, String> labels,
        Map<String, String> annotations,
        SecurityOptions security,
        String netns,
        String ip,
        List<String> additionalIps,
        String infraContainerId) {

    /** CREATING is only seen after a crash mid-create: recovery tears such a pod down. */
    public enum State { CREATING, READY, NOTREADY }

    /** The CRI's NamespaceMode: POD shares among the pod's containers, NODE is the host's. */
    public enum NamespaceMode { POD, CONTAINER, NODE, TARGET }

    public record Metadata(String name, String uid, String namespace, int attempt) {
    }

    public record Dns(List<String> servers, List<String> searches, List<String> options) {
    }

    public PodRecord withState(State newState) {
        return new PodRecord(id, name, metadata, newState, createdAt, hostname, logDirectory, runtimeHandler,
                cgroupParent, network, pid, ipc, dns, portMappings, sysctls, labels, annotations, security, netns, ip,
                additionalIps, infraContainerId);
    }

    public PodRecord withNetwork(String newNetns, String newIp, List<String> newAdditionalIps) {
        return new PodRecord(id, name, metadata, state, createdAt, hostname, logDirectory, runtimeHandler,
                cgroupParent, network, pid, ipc, dns, portMappings, sysctls, labels, annotations, security, newNetns,
                newIp, newAdditionalIps, infraContainerId);
    }

    public PodRecord withInfraContainer(String containerId) {
        return new PodRecord(id, name, metadata, state, createdAt, hostname, logDirectory, runtimeHandler,
                cgroupParent, network, pid, ipc, dns, portMappings, sysctls, labels, annotations, security, netns, ip,
                additionalIps, containerId);
    }
}
