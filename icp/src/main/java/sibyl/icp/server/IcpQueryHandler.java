package sibyl.icp.server;

import io.netty.buffer.ByteBuf;
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

    IcpQueryHandler(IcpResponder responder) {
        super(DatagramPacket.class, true);
        this.responder = responder;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf reply = responder.respond(packet.content(), packet.sender(), ctx.alloc());
        if (reply != null) {
            // A void promise: no promise allocated per reply; a failed send comes to exceptionCaught.
            ctx.write(new DatagramPacket(reply, packet.sender()), ctx.voidPromise());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Failed sends, and ICMP errors from earlier sends (e.g. port unreachable): counted, and
        // the server keeps serving.
        responder.stats().countSocketError();
        log.debug("ICP socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}
