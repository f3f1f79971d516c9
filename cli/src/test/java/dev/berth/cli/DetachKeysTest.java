package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker's --detach-keys: the sequence detaches, anything else reaches the container, a partial match too. */
class DetachKeysTest {
    private static boolean feed(DetachKeys keys, String input, ByteArrayOutputStream forward) {
        byte[] b = input.getBytes(StandardCharsets.ISO_8859_1);
        return keys.feed(b, b.length, forward);
    }

    @Test
    void ctrlPCtrlQDetachesAndTheBytesBeforeGoThrough() {
        DetachKeys keys = DetachKeys.parse(DetachKeys.DEFAULT);
        ByteArrayOutputStream forward = new ByteArrayOutputStream();
        assertTrue(feed(keys, "ls\r\u0010\u0011after", forward));
        assertEquals("ls\r", forward.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSequenceSplitAcrossReadsDetachesAndABrokenOneIsPassedOn() {
        DetachKeys keys = DetachKeys.parse("ctrl-p,ctrl-q");
        ByteArrayOutputStream forward = new ByteArrayOutputStream();
        assertFalse(feed(keys, "a\u0010", forward));
        assertEquals("a", forward.toString(StandardCharsets.ISO_8859_1), "a partial sequence is held back");
        forward.reset();
        assertFalse(feed(keys, "x", forward));
        assertEquals("\u0010x", forward.toString(StandardCharsets.ISO_8859_1));
        forward.reset();
        assertFalse(feed(keys, "\u0010\u0010", forward));
        assertEquals("\u0010", forward.toString(StandardCharsets.ISO_8859_1), "the second ^P may start the sequence");
        assertTrue(feed(keys, "\u0011", forward));
    }

    @Test
    void keysAreCharactersOrControlKeys() {
        ByteArrayOutputStream forward = new ByteArrayOutputStream();
        assertTrue(feed(DetachKeys.parse("ctrl-@,ctrl-[,ctrl-_,z"), "\u0000\u001b\u001fz", forward));
        assertArrayEquals(new byte[0], forward.toByteArray());
        CliException bad = assertThrows(CliException.class, () -> DetachKeys.parse("ctrl-pq"));
        assertTrue(bad.getMessage().startsWith("invalid detach key 'ctrl-pq'"), bad.getMessage());
    }
}
