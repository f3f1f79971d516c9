package dev.berth.cgroups.systemd;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * sd_notify(3): state changes sent as datagrams to systemd's $NOTIFY_SOCKET. The JDK has no unix
 * datagram channel, so Netty's epoll one carries them. Without a socket every call is a no-op, so
 * callers need not know whether systemd runs them.
 */
public final class SdNotify implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SdNotify.class.getName());
    /**
     * A launcher may move $NOTIFY_SOCKET here and out of the environment its children inherit; berthd's
     * does: runc, started by the shims, would otherwise proxy the socket into containers and make
     * `runc start` wait for them.
     */
    public static final String SOCKET_PROPERTY = "berth.notifySocket";

    private final String socket;
    private EventLoopGroup group;
    private Channel channel;

    private SdNotify(String socket) {
        this.socket = socket;
    }

    /** The socket from the launcher's property, else from $NOTIFY_SOCKET; none means disabled. */
    public static SdNotify fromEnvironment(Map<String, String> env) {
        String s = System.getProperty(SOCKET_PROPERTY);
        if (s == null || s.isEmpty()) {
            s = env.get("NOTIFY_SOCKET");
        }
        return new SdNotify(s == null || s.isEmpty() ? null : s);
    }

    public static SdNotify to(String socket) {
        return new SdNotify(socket);
    }

    public boolean enabled() {
        return socket != null;
    }

    /**
     * Sends one datagram of newline-separated assignments ("READY=1", "STATUS=..."). A failure is
     * logged, not thrown: systemd then acts on the missing message (start timeout, watchdog), which
     * is the right outcome, whereas failing the service over it would only add a second problem.
     */
    public synchronized boolean send(String... assignments) {
        if (socket == null) {
            return false;
        }
        String message = String.join("\n", assignments);
        try {
            if (channel == null) {
                open();
            }
            channel.writeAndFlush(new DomainDatagramPacket(
                    Unpooled.copiedBuffer(message, StandardCharsets.UTF_8), address(socket))).sync();
            return true;
        } catch (Exception e) {
            LOG.log(Level.WARNING, "sd_notify {0} to {1}: {2}", message.replace('\n', ' '), socket, e.toString());
            return false;
        }
    }

    private void open() throws InterruptedException {
        if (!socket.startsWith("/") && !socket.startsWith("@")) {
            throw new IllegalArgumentException("unsupported NOTIFY_SOCKET address (only unix sockets are)");
        }
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sd-notify", true),
                EpollIoHandler.newFactory());
        // Unbound and unconnected, as sd_notify's own socket: each message is a sendto to the address.
        channel = new io.netty.bootstrap.Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                .register().sync().channel();
    }

    /** '@' is sd_notify's spelling of Linux's abstract namespace, whose addresses begin with a NUL. */
    static DomainSocketAddress address(String socket) {
        return new DomainSocketAddress(socket.startsWith("@") ? "\0" + socket.substring(1) : socket);
    }

    /**
     * Half of WatchdogSec, systemd's advice for the ping interval, when the watchdog is on and meant for
     * this process ($WATCHDOG_PID absent or ours).
     */
    public static Optional<Duration> watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec == null || usec.isBlank() || (forPid != null && !forPid.isBlank() && !forPid.trim().equals(Long.toString(pid)))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec.trim());
            return micros <= 0 ? Optional.empty() : Optional.of(Duration.ofNanos(micros * 1000 / 2));
        } catch (NumberFormatException e) {
            LOG.log(Level.WARNING, "watchdog: ignoring WATCHDOG_USEC={0}: not a number", usec);
            return Optional.empty();
        }
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
        }
    }
}
