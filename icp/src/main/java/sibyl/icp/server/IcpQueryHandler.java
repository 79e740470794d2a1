package sibyl.icp.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one server socket to its {@link IcpResponder}: each datagram read is answered to its
 * source, and the replies of a read batch are flushed together, which lets the epoll transport
 * send them with one sendmmsg. One instance per channel, so per event-loop thread.
 */
final class IcpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(IcpQueryHandler.class);

    private final IcpResponder responder;
    private final ChannelFutureListener countFailures;

    IcpQueryHandler(IcpResponder responder) {
        super(DatagramPacket.class, true);
        this.responder = responder;
        IcpServerStats stats = responder.stats();
        this.countFailures = future -> {
            if (!future.isSuccess()) {
                stats.countSendFailure();
            }
        };
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf reply = responder.respond(packet.content(), packet.sender(), ctx.alloc());
        if (reply != null) {
            ctx.write(new DatagramPacket(reply, packet.sender())).addListener(countFailures);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A UDP socket reports ICMP errors from earlier sends here (e.g. port unreachable): the
        // server keeps serving.
        log.debug("ICP socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}
