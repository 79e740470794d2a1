package sibyl.icp.server;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * How long the server took to answer queries, as counts in fixed buckets: what a Prometheus
 * histogram publishes. Fixed buckets and striped adders rather than a general histogram, because
 * it is recorded on every reply, which otherwise costs a few microseconds in all.
 */
public final class ReplyLatency {
    /** Upper bounds of the buckets, in nanoseconds; one more bucket holds everything slower. */
    private static final long[] BOUNDS = {1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000,
            500_000, 1_000_000, 10_000_000};

    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final LongAdder totalNanos = new LongAdder();

    ReplyLatency() {
        Arrays.setAll(buckets, i -> new LongAdder());
    }

    void record(long nanos) {
        int bucket = 0;
        while (bucket < BOUNDS.length && nanos > BOUNDS[bucket]) {
            bucket++;
        }
        buckets[bucket].increment();
        totalNanos.add(nanos);
    }

    /** The buckets' upper bounds in seconds, in increasing order, without the last (infinite) one. */
    public static double[] boundsSeconds() {
        return Arrays.stream(BOUNDS).mapToDouble(nanos -> nanos / 1e9).toArray();
    }

    /**
     * Replies counted in each bucket, not cumulative: element {@code i} took at most
     * {@code boundsSeconds()[i]} and more than the bound before; the last element took longer
     * than every bound.
     */
    public long[] counts() {
        return Arrays.stream(buckets).mapToLong(LongAdder::sum).toArray();
    }

    /** The time all counted replies took together, in seconds. */
    public double totalSeconds() {
        return totalNanos.sum() / 1e9;
    }
}
