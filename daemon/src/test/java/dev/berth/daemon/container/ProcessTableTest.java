package dev.berth.daemon.container;

import dev.berth.oci.BerthException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** top: the container's rows of procps' output, columns as ps printed them. */
class ProcessTableTest {
    private static final String PS_EF = String.join("\n",
            "UID          PID    PPID  C STIME TTY          TIME CMD",
            "root           1       0  0 20:26 ?        00:00:01 /sbin/init",
            "root        4242    4240  0 20:30 ?        00:00:00 sleep 1000",
            "nobody      4250    4242  0 20:30 pts/0    00:00:00 sh -c echo a  b",
            "");

    @Test
    void keepsTheContainersRowsWithTheCommandWhole() {
        ProcessTable t = ProcessTable.parse("top of container c1", PS_EF, Set.of(4242, 4250));
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), t.titles());
        assertEquals(List.of(List.of("root", "4242", "4240", "0", "20:30", "?", "00:00:00", "sleep 1000"),
                List.of("nobody", "4250", "4242", "0", "20:30", "pts/0", "00:00:00", "sh -c echo a  b")), t.processes());
    }

    @Test
    void optionsWithoutAPidColumnOrWithPathsAreRefused() {
        BerthException noPid = assertThrows(BerthException.class,
                () -> ProcessTable.parse("top of container c1", "COMMAND\nsleep\n", Set.of(1)));
        assertTrue(noPid.getMessage().contains("no PID column"), noPid.getMessage());
        BerthException path = assertThrows(BerthException.class, () -> ProcessTable.of("c1", List.of(1), "-ef /etc/shadow"));
        assertEquals(BerthException.Kind.INVALID_ARGUMENT, path.kind());
    }

    @Test
    void theHostsPsRunsWithTheGivenOptions() {
        long self = ProcessHandle.current().pid();
        ProcessTable t = ProcessTable.of("c1", List.of((int) self), "-eo pid,comm");
        assertEquals(List.of("PID", "COMMAND"), t.titles());
        assertEquals(List.of(List.of(Long.toString(self), "java")), t.processes());
    }
}
