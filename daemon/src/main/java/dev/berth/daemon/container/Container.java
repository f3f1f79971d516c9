package dev.berth.daemon.container;

import dev.berth.daemon.store.ContainerRecord;
import dev.berth.daemon.store.ContainerState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One container in memory. User operations on it are serialized by {@link #operationLock()}; the exit
 * callback only touches the state (synchronized), so an operation may wait for the exit while holding
 * the operation lock.
 */
public final class Container {
    private final ReentrantLock operationLock = new ReentrantLock();
    private volatile ContainerRecord record;
    private ContainerState state;
    private CompletableFuture<ContainerState> exit = new CompletableFuture<>();
    private final CompletableFuture<Void> removed = new CompletableFuture<>();

    Container(ContainerRecord record, ContainerState state) {
        this.record = record;
        this.state = state;
        if (ContainerState.EXITED.equals(state.status())) {
            exit.complete(state);
        }
    }

    public String id() {
        return record.id();
    }

    public ContainerRecord record() {
        return record;
    }

    void record(ContainerRecord newRecord) {
        this.record = newRecord;
    }

    public synchronized ContainerState state() {
        return state;
    }

    synchronized void state(ContainerState newState) {
        this.state = newState;
        if (ContainerState.EXITED.equals(newState.status())) {
            exit.complete(newState);
        } else if (exit.isDone()) {
            exit = new CompletableFuture<>();
        }
    }

    /** Completes with the exited state of the current run. */
    public synchronized CompletableFuture<ContainerState> exit() {
        return exit;
    }

    /** Completes once the container is removed; operations that waited for its lock then fail. */
    public CompletableFuture<Void> removed() {
        return removed;
    }

    ReentrantLock operationLock() {
        return operationLock;
    }
}
