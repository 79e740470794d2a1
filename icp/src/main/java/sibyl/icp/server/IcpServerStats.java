package sibyl.icp.server;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import sibyl.icp.policy.IcpVerdict;

/** What an ICP server has received and answered, since it started. Thread-safe. */
public final class IcpServerStats {
    private final LongAdder received = new LongAdder();
    private final LongAdder tooShort = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder socketErrors = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder[] verdicts = new LongAdder[IcpVerdict.values().length];

    public IcpServerStats() {
        for (int i = 0; i < verdicts.length; i++) {
            verdicts[i] = new LongAdder();
        }
    }

    void countReceived() {
        received.increment();
    }

    void countTooShort() {
        tooShort.increment();
    }

    void countIgnored() {
        ignored.increment();
    }

    void countError() {
        errors.increment();
    }

    void countRateLimited() {
        rateLimited.increment();
    }

    void countSocketError() {
        socketErrors.increment();
    }

    void countAnswer(IcpVerdict verdict) {
        verdicts[verdict.ordinal()].increment();
    }

    /** Every datagram read, whatever became of it; the transport discards empty ones unseen. */
    public long received() {
        return received.sum();
    }

    /** Datagrams shorter than an ICP header: dropped unanswered. */
    public long droppedTooShort() {
        return tooShort.sum();
    }

    /**
     * Datagrams not answered: opcode INVALID or a reply or echo opcode, or malformed from a
     * sender no acl admits.
     */
    public long ignored() {
        return ignored.sum();
    }

    /** Malformed queries answered with ICP_OP_ERR. */
    public long errors() {
        return errors.sum();
    }

    /** Queries dropped unanswered because their sender was over its reply rate. */
    public long rateLimited() {
        return rateLimited.sum();
    }

    /** Errors the sockets reported: replies they would not send, ICMP errors for earlier ones. */
    public long socketErrors() {
        return socketErrors.sum();
    }

    /** Queries answered, by verdict. */
    public Map<IcpVerdict, Long> answered() {
        Map<IcpVerdict, Long> answered = new EnumMap<>(IcpVerdict.class);
        for (IcpVerdict verdict : IcpVerdict.values()) {
            answered.put(verdict, verdicts[verdict.ordinal()].sum());
        }
        return answered;
    }

    @Override
    public String toString() {
        return "received=" + received() + " answered=" + answered() + " err=" + errors()
                + " tooShort=" + droppedTooShort() + " ignored=" + ignored() + " socketErrors=" + socketErrors()
                + " rateLimited=" + rateLimited();
    }
}
