package dev.berth.viewfs.syscall;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.viewfs.view.SysinfoView;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The x86-64 layouts of struct sysinfo, seccomp_notif and seccomp_notif_resp, and sched_getaffinity's rules. */
class SyscallStructsTest {
    @Test
    void sysinfoIsTheKernelsLayoutWithMemUnitOne() {
        SysinfoView v = new SysinfoView(61, new long[] {1L << 16, 2L << 16, 3L << 16}, 256L << 20, 200L << 20,
                4096, 0, 64L << 20, 60L << 20, 7);
        ByteBuffer b = ByteBuffer.wrap(SysinfoStruct.encode(v)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(112, b.capacity());
        assertEquals(61, b.getLong(0));
        assertEquals(1L << 16, b.getLong(8));
        assertEquals(3L << 16, b.getLong(24));
        assertEquals(256L << 20, b.getLong(32));
        assertEquals(200L << 20, b.getLong(40));
        assertEquals(4096, b.getLong(48));
        assertEquals(0, b.getLong(56));
        assertEquals(64L << 20, b.getLong(64));
        assertEquals(60L << 20, b.getLong(72));
        assertEquals(7, b.getShort(80));
        assertEquals(0, b.getLong(88), "totalhigh");
        assertEquals(0, b.getLong(96), "freehigh");
        assertEquals(1, b.getInt(104), "mem_unit");
    }

    @Test
    void aNotificationIsDecodedFromTheKernelsLayout() {
        ByteBuffer b = ByteBuffer.allocate(Notification.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, 0x1122334455667788L).putInt(8, 4242).putInt(12, 0).putInt(16, Notification.NR_SCHED_GETAFFINITY)
                .putInt(20, Notification.AUDIT_ARCH_X86_64).putLong(24, 0x401000L);
        for (int i = 0; i < 6; i++) {
            b.putLong(32 + 8 * i, 100 + i);
        }
        Notification n = Notification.decode(b.array());
        assertEquals(0x1122334455667788L, n.id());
        assertEquals(4242, n.pid());
        assertEquals(204, n.nr());
        assertEquals(0xC000003E, n.arch());
        assertArrayEquals(new long[] {100, 101, 102, 103, 104, 105}, n.args());
    }

    @Test
    void responsesCarryTheValueANegativeErrnoOrTheContinueFlag() {
        ByteBuffer value = ByteBuffer.wrap(Response.value(9, 8).encode()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(24, value.capacity());
        assertEquals(9, value.getLong(0));
        assertEquals(8, value.getLong(8));
        assertEquals(0, value.getInt(16));
        assertEquals(0, value.getInt(20));
        ByteBuffer error = ByteBuffer.wrap(Response.failure(9, Response.EINVAL).encode()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-22, error.getInt(16));
        ByteBuffer real = ByteBuffer.wrap(Response.realSyscall(9).encode()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, real.getLong(8));
        assertEquals(0, real.getInt(16));
        assertEquals(1, real.getInt(20), "SECCOMP_USER_NOTIF_FLAG_CONTINUE");
    }

    @Test
    void affinityLengthsAreCheckedAsTheKernelChecksThem() {
        assertTrue(AffinityMask.invalidLength(0, 2), "no room for nr_cpu_ids bits");
        assertTrue(AffinityMask.invalidLength(4, 2), "not a multiple of sizeof(long)");
        assertFalse(AffinityMask.invalidLength(8, 2));
        assertTrue(AffinityMask.invalidLength(8, 65), "8 bytes hold 64 CPUs");
        assertEquals(8, AffinityMask.returnedLength(128, 8), "never more than the kernel's mask");
        assertEquals(8, AffinityMask.returnedLength(8, 1024));
    }

    @Test
    void theMaskHoldsTheFirstCpusOfTheRealAffinityOnly() {
        assertArrayEquals(new byte[] {0b0000_0110, 0, 0, 0, 0, 0, 0, 0},
                AffinityMask.encode(List.of(1, 2, 3), 2, 8), "2 of CPUs 1-3");
        assertArrayEquals(new byte[] {0, 0b0000_0001, 0, 0, 0, 0, 0, 0},
                AffinityMask.encode(List.of(8), 4, 8), "never more CPUs than the caller may run on");
        assertArrayEquals(new byte[] {1}, AffinityMask.encode(List.of(0, 9), 2, 1), "bits beyond the length are left out");
    }

    @Test
    void cpusAllowedListIsReadFromStatus() {
        assertEquals(List.of(0, 2, 3), SyscallAnswers.affinityOf("Name:\tsh\nCpus_allowed:\td\nCpus_allowed_list:\t0,2-3\n"));
        assertEquals(List.of(), SyscallAnswers.affinityOf(null));
    }
}
