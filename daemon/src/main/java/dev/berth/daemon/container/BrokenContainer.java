package dev.berth.daemon.container;

import dev.berth.daemon.store.ContainerRecord;
import dev.berth.oci.BerthException;

/**
 * A container found on disk at start-up whose files cannot be used (unreadable container.json or
 * state.json, a missing or malformed bundle): it is not listed or served, like CRI-O's containers that
 * fail to restore, but named in every error about it and removable with force.
 *
 * @param record its record, or null when container.json itself is unreadable
 * @param problem what is wrong, naming the file
 */
public record BrokenContainer(String id, ContainerRecord record, String problem) {

    /** Whether {@code ref} names this container: its full id, or its name when the record is readable. */
    boolean isNamedBy(String ref) {
        return id.equals(ref) || record != null && ref.equals(record.name());
    }

    BerthException unusable() {
        return BerthException.conflict("container " + id + " cannot be used, its files are broken: " + problem
                + " (remove it with force: berth rm -f " + id + ")");
    }
}
