package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** runc 1.1's own words for a command that cannot start, as berthd passes them on. */
class CommandStartFailureTest {
    private static final String CREATE = "create container 9a3b: runc create failed: unable to start container process: ";

    @Test
    void aMissingCommandIs127() {
        assertEquals(OptionalInt.of(127), CommandStartFailure.exitCode(
                CREATE + "exec: \"nosuchcmd\": executable file not found in $PATH"));
        assertEquals(OptionalInt.of(127), CommandStartFailure.exitCode(
                CREATE + "exec: \"/nonexist\": stat /nonexist: no such file or directory"));
    }

    @Test
    void aCommandThatCannotBeInvokedIs126() {
        assertEquals(OptionalInt.of(126), CommandStartFailure.exitCode(CREATE + "exec: \"/etc\": permission denied"));
        assertEquals(OptionalInt.of(126), CommandStartFailure.exitCode(
                "exec in container 10b5: exec failed: unable to start container process: exec: \"/bin/x\": exec format error"));
    }

    @Test
    void otherFailuresAreNotTheCommands() {
        assertEquals(OptionalInt.empty(), CommandStartFailure.exitCode(
                CREATE + "error during container init: error mounting \"/x\": permission denied"));
        assertEquals(OptionalInt.empty(), CommandStartFailure.exitCode("no such image: busybox2"));
        assertEquals(OptionalInt.empty(), CommandStartFailure.exitCode(null));
    }
}
