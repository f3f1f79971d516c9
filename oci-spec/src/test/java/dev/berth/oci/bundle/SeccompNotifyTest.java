package dev.berth.oci.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeccompNotifyTest {
    private static final List<String> SYSCALLS = List.of("sysinfo", "sched_getaffinity");

    @Test
    void theDefaultProfileSendsTheSyscallsToTheListenerAndKeepsEverythingElse() {
        JsonNode profile = SecurityOptions.runtimeDefaultProfile();
        JsonNode out = SeccompNotify.forward(profile, SYSCALLS, "/var/lib/berth-viewfs.notify.sock");
        assertEquals("/var/lib/berth-viewfs.notify.sock", out.get("listenerPath").asText());
        List<String> notified = new ArrayList<>();
        int allowedBefore = 0;
        int allowedAfter = 0;
        for (JsonNode rule : profile.get("syscalls")) {
            allowedBefore += rule.get("action").asText().equals("SCMP_ACT_ALLOW") ? rule.get("names").size() : 0;
        }
        for (JsonNode rule : out.get("syscalls")) {
            String action = rule.get("action").asText();
            for (JsonNode n : rule.get("names")) {
                if (action.equals("SCMP_ACT_NOTIFY")) {
                    notified.add(n.asText());
                } else {
                    assertFalse(SYSCALLS.contains(n.asText()), n + " kept under " + action);
                    allowedAfter += action.equals("SCMP_ACT_ALLOW") ? 1 : 0;
                }
            }
        }
        assertEquals(SYSCALLS, notified);
        assertEquals(allowedBefore - SYSCALLS.size(), allowedAfter, "every other allowed syscall stays allowed");
        assertEquals(profile.get("defaultAction"), out.get("defaultAction"));
        assertNotEquals(profile, out);
        assertFalse(profile.has("listenerPath"), "the shared default profile is left as it is");
    }
}
