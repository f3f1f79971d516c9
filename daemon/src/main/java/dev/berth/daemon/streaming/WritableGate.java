package dev.berth.daemon.streaming;

import io.netty.channel.Channel;

/**
 * Lets a blocking producer thread wait until a channel's outbound buffer drains, so a fast process
 * cannot fill the daemon's memory when the client reads slowly.
 */
final class WritableGate {
    private final Channel channel;

    WritableGate(Channel channel) {
        this.channel = channel;
    }

    /** Call from the handler's channelWritabilityChanged. */
    synchronized void changed() {
        notifyAll();
    }

    synchronized void await() throws InterruptedException {
        while (channel.isActive() && !channel.isWritable()) {
            // Bounded wait: a missed signal costs at most this much delay.
            wait(100);
        }
    }
}
