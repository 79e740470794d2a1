package sibyl.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Admits a new connection within {@link ConnectionLimits}, or answers it 503 without reading
 * what it sends: the refusal goes on as a request of its own, so it is answered and logged like
 * every other, and the connection closes once it is written.
 */
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    private final ConnectionLimits limits;
    private InetAddress admitted;

    ConnectionGate(ConnectionLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        String refusal = limits.admit(client);
        if (refusal == null) {
            admitted = client;
            ctx.fireChannelActive();
            return;
        }
        ctx.channel().config().setAutoRead(false);
        ctx.fireChannelActive();
        ctx.fireChannelRead(RefusedRequest.unread("too-many-connections", HttpResponseStatus.SERVICE_UNAVAILABLE,
                refusal));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (admitted != null) {
            limits.release(admitted);
            admitted = null;
        }
        ctx.fireChannelInactive();
    }
}
