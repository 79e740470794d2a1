package sibyl.icp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * Turns one datagram into its reply, or into none: validation in place, the policy chain, the
 * reply written into one buffer. This is the whole ICP reply path without the socket; it makes
 * no network call, takes no lock, and allocates nothing but the reply buffer (and the URL string,
 * only if a policy asks for it).
 *
 * <p>Not thread-safe: it reuses one {@link IcpQuery} for every datagram. The server has one per
 * socket, so one per event-loop thread.
 */
public final class IcpResponder {
    private static final Logger log = LoggerFactory.getLogger(IcpResponder.class);
    private final PolicyChain chain;
    private final IcpServerStats stats;
    private final SenderRates rates;
    private final Query query = new Query();

    public IcpResponder(PolicyChain chain, IcpServerStats stats) {
        this(chain, stats, 0);
    }

    /** @param maxRepliesPerSender replies a second to one sender address; 0 for no limit */
    public IcpResponder(PolicyChain chain, IcpServerStats stats, int maxRepliesPerSender) {
        this.chain = chain;
        this.stats = stats;
        this.rates = new SenderRates(maxRepliesPerSender);
    }

    /**
     * The reply to {@code datagram} from {@code sender}, allocated from {@code allocator} and
     * owned by the caller, or {@code null} when the datagram gets no reply: too short, INVALID,
     * not a query, over the sender's reply rate, or malformed from a sender an {@code acl}
     * policy of the chain does not admit (an error reply to a forged source would make the
     * node a reflector). Does not release or move {@code datagram}.
     */
    public ByteBuf respond(ByteBuf datagram, InetSocketAddress sender, ByteBufAllocator allocator) {
        long started = System.nanoTime();
        stats.countReceived();
        if (datagram.readableBytes() < IcpCodec.HEADER_LENGTH) {
            stats.countTooShort();
            log.debug("dropped a {}-byte datagram from {}: too short", datagram.readableBytes(), sender);
            return null;
        }
        IcpOpcode opcode = IcpCodec.opcode(datagram);
        if (opcode != null && opcode != IcpOpcode.QUERY) {
            // INVALID, replies and echoes: answering them could start a loop between two servers.
            stats.countIgnored();
            log.debug("ignored ICP_OP_{} from {}: not a query", opcode, sender);
            return null;
        }
        if (!rates.allow(sender.getAddress(), started)) {
            stats.countRateLimited();
            return null;
        }
        Rejection rejection = IcpCodec.validate(datagram);
        if (rejection != null && !chain.admits(sender.getAddress())) {
            stats.countNotAdmitted();
            log.debug("dropped a malformed query from {}, which no acl admits: {}", sender, rejection.description());
            return null;
        }
        if (rejection != null) {
            // Unknown opcodes land here too: validate() says UNKNOWN_OPCODE, answered with ERR.
            stats.countError(rejection);
            log.debug("ICP_OP_ERR to {}: {}", sender, rejection.description());
            ByteBuf reply = allocator.ioBuffer(IcpCodec.errorLength(datagram));
            IcpCodec.writeError(datagram, reply);
            return reply;
        }
        query.reset(datagram, sender);
        IcpVerdict verdict;
        try {
            verdict = chain.decide(query);
        } finally {
            query.reset(null, null);
        }
        ByteBuf reply = allocator.ioBuffer(IcpCodec.replyLength(datagram));
        IcpCodec.writeReply(datagram, verdict.opcode(), reply);
        stats.countAnswer(IcpCodec.version(datagram), verdict, System.nanoTime() - started);
        return reply;
    }

    public IcpServerStats stats() {
        return stats;
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
