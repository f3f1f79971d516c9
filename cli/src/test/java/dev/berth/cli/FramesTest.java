package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FramesTest {
    @Test
    void headerIsStreamThreeZerosAndBigEndianLength() {
        byte[] payload = new byte[0x010203];
        byte[] f = Frames.encode(Frames.STDERR, payload, 0, payload.length);
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0x00, 0x01, 0x02, 0x03}, java.util.Arrays.copyOf(f, 8));
        assertEquals(8 + 0x010203, f.length);
    }

    @Test
    void roundTripsSeveralFramesIncludingEmptyOnes() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] hi = "hi\n".getBytes(StandardCharsets.UTF_8);
        Frames.write(buf, Frames.STDOUT, hi, 0, hi.length);
        Frames.write(buf, Frames.STDIN, new byte[0], 0, 0);
        Frames.write(buf, Frames.RESIZE, "24 80".getBytes(StandardCharsets.US_ASCII), 0, 5);
        ByteArrayInputStream in = new ByteArrayInputStream(buf.toByteArray());
        Frames.Frame a = Frames.read(in);
        assertEquals(1, a.stream);
        assertEquals("hi\n", new String(a.payload, StandardCharsets.UTF_8));
        Frames.Frame b = Frames.read(in);
        assertEquals(0, b.stream);
        assertEquals(0, b.payload.length);
        Frames.Frame c = Frames.read(in);
        assertEquals(4, c.stream);
        assertEquals("24 80", new String(c.payload, StandardCharsets.US_ASCII));
        assertNull(Frames.read(in), "clean end between frames");
    }

    @Test
    void truncatedFramesAreErrors() {
        byte[] f = Frames.encode(1, new byte[10], 0, 10);
        assertThrows(EOFException.class, () -> Frames.read(new ByteArrayInputStream(f, 0, 5)));
        assertThrows(EOFException.class, () -> Frames.read(new ByteArrayInputStream(f, 0, 12)));
        byte[] huge = {1, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThrows(IOException.class, () -> Frames.read(new ByteArrayInputStream(huge)));
    }

    @Test
    void copyFramesSplitsStreamsAndStopsAtExit() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.write(Frames.encode(1, "out\n".getBytes(), 0, 4));
        buf.write(Frames.encode(2, "err\n".getBytes(), 0, 4));
        buf.write(Frames.encode(3, "42".getBytes(), 0, 2));
        buf.write(Frames.encode(1, "after".getBytes(), 0, 5));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = StreamRelay.copyFrames(new ByteArrayInputStream(buf.toByteArray()), out, err, true);
        assertEquals(42, code);
        assertEquals("out\n", out.toString());
        assertEquals("err\n", err.toString());
        assertEquals(-1, StreamRelay.copyFrames(new ByteArrayInputStream(new byte[0]), out, err, false));
        byte[] bad = Frames.encode(3, "x".getBytes(), 0, 1);
        assertThrows(IOException.class, () -> StreamRelay.copyFrames(new ByteArrayInputStream(bad), out, err, true));
    }
}
