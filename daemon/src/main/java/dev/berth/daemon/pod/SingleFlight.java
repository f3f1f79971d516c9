package dev.berth.daemon.pod;

import dev.berth.oci.BerthException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One creation per name at a time. kubelet retries a RunPodSandbox or CreateContainer that outlived its
 * deadline with the same name; the retry waits for the first call and gets its result instead of "name is
 * reserved".
 */
public final class SingleFlight {
    private final Map<String, CompletableFuture<String>> inFlight = new ConcurrentHashMap<>();

    /** The id {@code create} returns, or the one an in-flight creation of {@code name} returns. */
    public String run(String name, Supplier<String> create) {
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> running = inFlight.putIfAbsent(name, mine);
        if (running != null) {
            return await(running, name);
        }
        try {
            String id = create.get();
            mine.complete(id);
            return id;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(name);
        }
    }

    private static String await(CompletableFuture<String> future, String name) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, "wait for the creation of " + name, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw BerthException.internal("wait for the creation of " + name, e.getCause());
        }
    }
}
