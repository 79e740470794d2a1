package sibyl.icp.server;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import sibyl.icp.metrics.LatencyHistogram;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.wire.Rejection;

/** What an ICP server has received and answered, since it started. Thread-safe. */
public final class IcpServerStats {
    private final LongAdder received = new LongAdder();
    private final LongAdder tooShort = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder socketErrors = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder notAdmitted = new LongAdder();
    /** Answers by ICP version (2, then 3) and verdict. */
    private final LongAdder[][] verdicts = new LongAdder[2][IcpVerdict.values().length];
    private final LongAdder[] rejections = new LongAdder[Rejection.values().length];
    /** From a datagram read to its reply made: microseconds, with room for a stalled policy. */
    private final LatencyHistogram latency = new LatencyHistogram(1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
            250_000, 500_000, 1_000_000, 10_000_000);

    public IcpServerStats() {
        for (LongAdder[] byVersion : verdicts) {
            Arrays.setAll(byVersion, i -> new LongAdder());
        }
        Arrays.setAll(rejections, i -> new LongAdder());
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

    void countError(Rejection rejection) {
        errors.increment();
        rejections[rejection.ordinal()].increment();
    }

    void countNotAdmitted() {
        ignored.increment();
        notAdmitted.increment();
    }

    void countRateLimited() {
        rateLimited.increment();
    }

    void countSocketError() {
        socketErrors.increment();
    }

    void countAnswer(int version, IcpVerdict verdict, long nanos) {
        verdicts[version == 2 ? 0 : 1][verdict.ordinal()].increment();
        latency.record(nanos);
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

    /** Of the datagrams {@link #ignored}, the malformed queries from senders no acl admits. */
    public long notAdmitted() {
        return notAdmitted.sum();
    }

    /** Malformed queries answered with ICP_OP_ERR. */
    public long errors() {
        return errors.sum();
    }

    /** Malformed queries answered with ICP_OP_ERR, by what was wrong with them. */
    public Map<Rejection, Long> errorsByReason() {
        Map<Rejection, Long> byReason = new EnumMap<>(Rejection.class);
        for (Rejection rejection : Rejection.values()) {
            if (rejection.disposition() == Rejection.Disposition.ERR) {
                byReason.put(rejection, rejections[rejection.ordinal()].sum());
            }
        }
        return byReason;
    }

    /** Queries answered with ICP version {@code version} (2 or 3), by verdict. */
    public Map<IcpVerdict, Long> answered(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("ICP version " + version + ": only 2 and 3 are answered");
        }
        Map<IcpVerdict, Long> answered = new EnumMap<>(IcpVerdict.class);
        for (IcpVerdict verdict : IcpVerdict.values()) {
            answered.put(verdict, verdicts[version - 2][verdict.ordinal()].sum());
        }
        return answered;
    }

    /** How long answering took, from the datagram read to the reply written into its buffer. */
    public LatencyHistogram latency() {
        return latency;
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
            answered.put(verdict, verdicts[0][verdict.ordinal()].sum() + verdicts[1][verdict.ordinal()].sum());
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
