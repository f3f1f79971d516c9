package dev.berth.daemon.container;

import dev.berth.daemon.store.ContainerRecord;
import dev.berth.oci.BerthException;

/**
 * A container found on disk at start-up whose files cannot be used (unreadable container.json or
 * state.json, a missing or malformed bundle): listed with the state "broken" and its problem, as podman
 * lists containers in odd states, named in every error about it and removable with force; never served.
 *
 * @param record its record, or null when container.json itself is unreadable
 * @param problem what is wrong, naming the file
 */
public record BrokenContainer(String id, ContainerRecord record, String problem) {
    /** The state the APIs show for it, next to {@link #problem} as the reason. */
    public static final String STATE = "broken";

    /** Whether {@code ref} names this container: its full id, or its name when the record is readable. */
    boolean isNamedBy(String ref) {
        return id.equals(ref) || record != null && ref.equals(record.name());
    }

    /** FAILED_PRECONDITION for {@code operation} (a verb: "start", "exec in") on this container. */
    BerthException unusable(String operation) {
        return BerthException.conflict(operation + " container " + id + ": its files are broken: " + problem
                + " (remove it with force: berth rm -f " + id + ")");
    }
}
