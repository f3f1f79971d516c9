package dev.berth.viewfs.caller;

/** Who opened a file: a process of a container, or anything else, which sees the host's files. */
public record Caller(int pid, ContainerCgroup container) {
    public boolean isHost() {
        return container == null;
    }
}
