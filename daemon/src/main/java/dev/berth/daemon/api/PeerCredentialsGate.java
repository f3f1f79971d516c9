package dev.berth.daemon.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * The handler of a listening unix socket's own channel: it sees each accepted connection before Netty
 * registers it, reads the peer's SO_PEERCRED and closes the connections {@link SocketAccess} does not
 * allow, so no byte of theirs reaches the HTTP or gRPC code.
 */
@ChannelHandler.Sharable
public final class PeerCredentialsGate extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(PeerCredentialsGate.class.getName());

    private final Path socket;
    private final SocketAccess access;

    public PeerCredentialsGate(Path socket, SocketAccess access) {
        this.socket = socket;
        this.access = access;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof EpollDomainSocketChannel child && !allowed(child)) {
            // Not registered yet, so closing it forcibly is all there is to undo (as Netty's acceptor does).
            child.unsafe().closeForcibly();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private boolean allowed(EpollDomainSocketChannel child) {
        PeerCredentials peer;
        try {
            peer = child.peerCredentials();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "refused a connection on {0}: cannot read its SO_PEERCRED: {1}", socket, e.toString());
            return false;
        }
        int gid = peer.gids().length > 0 ? peer.gids()[0] : -1;
        if (access.allows(peer.uid(), gid, SocketAccess.supplementaryGroups(peer.pid()))) {
            return true;
        }
        LOG.log(Level.WARNING, "refused a connection on {0} from uid {1,number,#} gid {2,number,#} pid {3,number,#}:"
                + " only {4} may connect", socket, peer.uid(), gid, peer.pid(), access);
        return false;
    }

    /** The gate on a server channel made by {@code channel}: for servers (gRPC) that make their own. */
    public <C extends Channel> C guard(C channel) {
        channel.pipeline().addFirst(this);
        return channel;
    }
}
