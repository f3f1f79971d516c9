package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What a pod's DEL needs to undo its ADD exactly, even after berthd restarted with another config: the
 * network list used, the CNI_ARGS and port mappings given, and the ADD result (null until the ADD
 * finished, so a crash in the middle of an ADD still leaves what DEL needs).
 */
record CniAttachment(String podId, String podName, String podNamespace, String podUid, String netns,
                     ObjectNode network, List<PortMapping> portMappings, JsonNode result) {
    CniAttachment withPodName(String name) {
        return new CniAttachment(podId, name, podNamespace, podUid, netns, network, portMappings, result);
    }

    CniAttachment withResult(JsonNode addResult) {
        return new CniAttachment(podId, podName, podNamespace, podUid, netns, network, portMappings, addResult);
    }
}
