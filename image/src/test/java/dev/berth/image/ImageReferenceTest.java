package dev.berth.image;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageReferenceTest {
    @Test
    void normalisesShortNames() {
        assertEquals("localhost/busybox:latest", ImageReference.normalize("busybox").toString());
        assertEquals("localhost/busybox:1.36", ImageReference.normalize("busybox:1.36").toString());
        assertEquals("docker.io/library/busybox:latest", ImageReference.normalize("docker.io/busybox").toString());
        assertEquals("quay.io/a/b:v1", ImageReference.normalize("quay.io/a/b:v1").toString());
        assertEquals("localhost:5000/x/y:latest", ImageReference.normalize("localhost:5000/x/y").toString());
        assertEquals("localhost/foo/bar:latest", ImageReference.normalize("foo/bar").toString());
    }

    @Test
    void splitsDomainPathTagDigest() {
        String d = "sha256:" + "a".repeat(64);
        ImageReference r = ImageReference.parse("registry.example.com:5000/team/app:v2@" + d);
        assertEquals("registry.example.com:5000", r.domain());
        assertEquals("team/app", r.path());
        assertEquals("v2", r.tag().orElseThrow());
        assertEquals(d, r.digest().orElseThrow());
        // A digest alone gets no default tag.
        assertTrue(ImageReference.normalize("app@" + d).tag().isEmpty());
        // "foo" is a path component, not a domain.
        assertEquals("", ImageReference.parse("foo/bar").domain());
    }

    @Test
    void candidatesTryLocalhostThenDockerHub() {
        assertEquals(List.of("localhost/busybox:latest", "docker.io/library/busybox:latest"),
                ImageReference.candidates("busybox"));
        assertEquals(List.of("quay.io/x:1"), ImageReference.candidates("quay.io/x:1"));
    }

    @Test
    void refusesBadNamesClearly() {
        for (String bad : List.of("", "Busybox", "busy box", "a//b", "-a", "a:", "a:-tag", "a@sha256:zz", "a/b/", ":tag",
                "x".repeat(256))) {
            BerthException e = assertThrows(BerthException.class, () -> ImageReference.parse(bad), bad);
            assertEquals(BerthException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().startsWith("parse image reference"), e.getMessage());
        }
    }
}
