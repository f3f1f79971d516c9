package dev.berth.daemon.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.berth.cri.v1.Image;
import org.junit.jupiter.api.Test;

class CriImagesTest {
    @Test
    void aNumericUserIsTheUidAndAGroupIsIgnored() {
        Image i = user("1000:50");
        assertEquals(1000, i.getUid().getValue());
        assertEquals("", i.getUsername());
    }

    @Test
    void aNamedUserIsTheUsernameWithoutUid() {
        Image i = user("nginx:nginx");
        assertFalse(i.hasUid());
        assertEquals("nginx", i.getUsername());
    }

    @Test
    void noUserIsRoot() {
        assertEquals(0, user(null).getUid().getValue());
        assertEquals(0, user("").getUid().getValue());
        assertEquals(0, user(":5").getUid().getValue());
    }

    private static Image user(String u) {
        Image.Builder b = Image.newBuilder();
        CriImages.setUser(b, u);
        return b.build();
    }
}
