package dev.berth.cgroups.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plays systemd's side: a real unix datagram socket that collects what a service sends. */
class SdNotifyTest {
    @TempDir
    Path dir;

    private EventLoopGroup group;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Channel listen(String notifySocket) throws InterruptedException {
        return new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                        received.add(p.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(SdNotify.address(notifySocket)).sync().channel();
    }

    private String next() throws InterruptedException {
        return received.poll(5, TimeUnit.SECONDS);
    }

    @Test
    void sendsStateChangesToAPathSocket() throws Exception {
        String path = dir.resolve("notify.sock").toString();
        Channel systemd = listen(path);
        try (SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", path))) {
            assertTrue(notify.enabled());
            assertTrue(notify.send("READY=1", "STATUS=serving"));
            assertEquals("READY=1\nSTATUS=serving", next());
            assertTrue(notify.send("RELOADING=1"));
            assertTrue(notify.send("READY=1"));
            assertTrue(notify.send("STOPPING=1"));
            assertEquals("RELOADING=1", next());
            assertEquals("READY=1", next());
            assertEquals("STOPPING=1", next());
        } finally {
            systemd.close().sync();
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Exception {
        String name = "@berth-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Channel systemd = listen(name);
        try (SdNotify notify = SdNotify.to(name)) {
            assertTrue(notify.send("READY=1"));
            assertEquals("READY=1", next());
        } finally {
            systemd.close().sync();
        }
    }

    @Test
    void withoutASocketNothingIsSentAndAGoneSocketIsNotFatal() {
        try (SdNotify off = SdNotify.fromEnvironment(Map.of())) {
            assertFalse(off.enabled());
            assertFalse(off.send("READY=1"));
        }
        try (SdNotify gone = SdNotify.to(dir.resolve("nobody.sock").toString())) {
            assertFalse(gone.send("READY=1"));
        }
    }

    @Test
    void watchdogIntervalIsHalfOfWatchdogSecAndOnlyForThisProcess() {
        assertEquals(Optional.of(Duration.ofSeconds(15)), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), 42));
        assertEquals(Optional.of(Duration.ofSeconds(15)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(Optional.empty(),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "43"), 42));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of(), 42));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), 42));
    }

    @Test
    void watchdogPingsOnlyWhileEveryProbeAnswers() throws Exception {
        String path = dir.resolve("notify.sock").toString();
        Channel systemd = listen(path);
        CompletableFuture<Void> hung = new CompletableFuture<>();
        try (SdNotify notify = SdNotify.to(path)) {
            Watchdog healthy = new Watchdog(notify, Duration.ofMillis(400), List.of(
                    new Watchdog.Probe("event loop", () -> CompletableFuture.supplyAsync(() -> null))));
            assertTrue(healthy.check());
            assertEquals("WATCHDOG=1", next());

            Watchdog stuck = new Watchdog(notify, Duration.ofMillis(400), List.of(
                    new Watchdog.Probe("event loop", () -> CompletableFuture.completedFuture(null)),
                    new Watchdog.Probe("exit monitor", () -> hung)));
            long started = System.nanoTime();
            assertFalse(stuck.check());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2), "waited past half the interval");
            assertNull(received.poll(300, TimeUnit.MILLISECONDS), "pinged although a probe hung");

            Watchdog timed = new Watchdog(notify, Duration.ofMillis(100), List.of(
                    new Watchdog.Probe("event loop", () -> CompletableFuture.completedFuture(null))));
            timed.start();
            try {
                assertEquals("WATCHDOG=1", next());
                assertEquals("WATCHDOG=1", next());
            } finally {
                timed.close();
            }
        } finally {
            systemd.close().sync();
        }
    }
}
