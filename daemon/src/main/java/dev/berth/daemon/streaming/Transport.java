package dev.berth.daemon.streaming;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.function.Supplier;

/**
 * Netty's epoll transport where it loads, NIO otherwise. Outgoing channels are IPv4: they connect to
 * 127.0.0.1 in a pod's namespace, which may have no IPv6 at all.
 */
record Transport(IoHandlerFactory ioHandler, Class<? extends ServerChannel> serverChannel,
                 Supplier<Channel> ipv4Client) {

    static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport(EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    () -> new EpollSocketChannel(SocketProtocolFamily.INET));
        }
        return new Transport(NioIoHandler.newFactory(), NioServerSocketChannel.class,
                () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET));
    }
}
