package dev.berth.daemon.streaming;

import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;

/**
 * Lets a blocking producer thread wait until a channel's outbound buffer drains, so a fast process
 * cannot fill the daemon's memory when the client reads slowly. The buffer is large on purpose: the
 * shim never blocks on a client and drops one that is 256 KiB behind, so the daemon must keep reading
 * the shim through a client's slow moments and absorb output bursts itself.
 */
final class WritableGate {
    static final WriteBufferWaterMark OUTPUT_BUFFER = new WriteBufferWaterMark(1 << 20, 2 << 20);

    private final Channel channel;

    WritableGate(Channel channel) {
        this.channel = channel;
        channel.config().setWriteBufferWaterMark(OUTPUT_BUFFER);
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
