package dev.berth.daemon.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** A resize message, kubelet's {@code {"Width":W,"Height":H}}. */
record TerminalSize(int width, int height) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static TerminalSize parse(byte[] json) throws IOException {
        JsonNode n = JSON.readTree(json);
        if (n == null || !n.path("Width").canConvertToInt() || !n.path("Height").canConvertToInt()) {
            throw new IOException("not a terminal size: " + (n == null ? "empty" : n.toString()));
        }
        int w = n.get("Width").asInt();
        int h = n.get("Height").asInt();
        if (w < 0 || h < 0 || w > 0xffff || h > 0xffff) {
            throw new IOException("terminal size out of range: " + w + "x" + h);
        }
        return new TerminalSize(w, h);
    }
}
