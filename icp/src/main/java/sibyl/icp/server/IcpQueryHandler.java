package sibyl.icp.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpOpcode;
import sibyl.icp.wire.Rejection;

/**
 * Answers each datagram of one server socket: validates it in place, asks the policy chain, and
 * writes the reply to the datagram's source. Replies are flushed once per read batch, which lets
 * the epoll transport send them with one sendmmsg.
 *
 * <p>One instance per channel, so per event-loop thread: the reused {@link Query} needs no
 * synchronisation, and the only allocation per query is the reply buffer.
 */
final class IcpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(IcpQueryHandler.class);

    private final PolicyChain chain;
    private final IcpServerStats stats;
    private final Query query = new Query();
    private final ChannelFutureListener countFailures;

    IcpQueryHandler(PolicyChain chain, IcpServerStats stats) {
        super(DatagramPacket.class, true);
        this.chain = chain;
        this.stats = stats;
        this.countFailures = future -> {
            if (!future.isSuccess()) {
                stats.countSendFailure();
            }
        };
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        stats.countReceived();
        ByteBuf datagram = packet.content();
        if (datagram.readableBytes() < IcpCodec.HEADER_LENGTH) {
            stats.countTooShort();
            return;
        }
        IcpOpcode opcode = IcpCodec.opcode(datagram);
        if (opcode != null && opcode != IcpOpcode.QUERY) {
            // INVALID, replies and echoes: answering them could start a loop between two servers.
            stats.countIgnored();
            return;
        }
        Rejection rejection = IcpCodec.validate(datagram);
        if (rejection != null) {
            // Unknown opcodes also land here: validate() says UNKNOWN_OPCODE, answered with ERR.
            stats.countError();
            ByteBuf reply = ctx.alloc().ioBuffer(IcpCodec.MAX_LENGTH);
            IcpCodec.writeError(datagram, reply);
            send(ctx, reply, packet.sender());
            return;
        }
        query.reset(datagram, packet.sender());
        IcpVerdict verdict = chain.decide(query);
        query.reset(null, null);
        stats.countAnswer(verdict);
        ByteBuf reply = ctx.alloc().ioBuffer(IcpCodec.replyLength(datagram));
        IcpCodec.writeReply(datagram, verdict.opcode(), reply);
        send(ctx, reply, packet.sender());
    }

    private void send(ChannelHandlerContext ctx, ByteBuf reply, InetSocketAddress to) {
        ctx.write(new DatagramPacket(reply, to)).addListener(countFailures);
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

    /** The query a policy sees, reset for every datagram; its URL is decoded only if asked for. */
    private static final class Query implements IcpQuery {
        private ByteBuf datagram;
        private InetSocketAddress sender;
        private String url;

        void reset(ByteBuf datagram, InetSocketAddress sender) {
            this.datagram = datagram;
            this.sender = sender;
            this.url = null;
        }

        @Override
        public String url() {
            String decoded = url;
            if (decoded == null) {
                decoded = IcpCodec.queryUrl(datagram);
                url = decoded;
            }
            return decoded;
        }

        @Override
        public InetSocketAddress sender() {
            return sender;
        }

        @Override
        public int requestNumber() {
            return IcpCodec.requestNumber(datagram);
        }

        @Override
        public int version() {
            return IcpCodec.version(datagram);
        }

        @Override
        public int options() {
            return IcpCodec.options(datagram);
        }

        @Override
        public int optionData() {
            return IcpCodec.optionData(datagram);
        }

        @Override
        public int requesterHostAddress() {
            return IcpCodec.requesterHostAddress(datagram);
        }

        @Override
        public String toString() {
            return "ICP query for " + url() + " from " + sender;
        }
    }
}
