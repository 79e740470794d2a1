package sibyl.icp.metrics;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted in fixed buckets: what a Prometheus histogram publishes. Fixed buckets and
 * striped adders rather than a general-purpose timer because it is recorded on every ICP reply
 * and every HTTP request, by every event loop at once: a record is a few comparisons and two
 * uncontended adds, with no time window, maximum or clock read of its own.
 */
public final class LatencyHistogram {
    private final long[] boundsNanos;
    private final LongAdder[] buckets;
    private final LongAdder totalNanos = new LongAdder();

    /**
     * @param boundsNanos the buckets' upper bounds, in nanoseconds, increasing; one more bucket
     *     counts everything slower
     */
    public LatencyHistogram(long... boundsNanos) {
        for (int i = 1; i < boundsNanos.length; i++) {
            if (boundsNanos[i] <= boundsNanos[i - 1]) {
                throw new IllegalArgumentException("bounds must increase: " + Arrays.toString(boundsNanos));
            }
        }
        this.boundsNanos = boundsNanos.clone();
        this.buckets = new LongAdder[boundsNanos.length + 1];
        Arrays.setAll(buckets, i -> new LongAdder());
    }

    /** Bounds given in milliseconds, for the latencies of requests rather than replies. */
    public static LatencyHistogram ofMillis(double... boundsMillis) {
        return new LatencyHistogram(Arrays.stream(boundsMillis).mapToLong(millis -> (long) (millis * 1_000_000)).toArray());
    }

    /** Counts one duration of {@code nanos}. */
    public void record(long nanos) {
        int bucket = 0;
        while (bucket < boundsNanos.length && nanos > boundsNanos[bucket]) {
            bucket++;
        }
        buckets[bucket].increment();
        totalNanos.add(nanos);
    }

    /** The buckets' upper bounds in seconds, increasing, and last {@link Double#POSITIVE_INFINITY}. */
    public double[] boundsSeconds() {
        double[] bounds = new double[boundsNanos.length + 1];
        for (int i = 0; i < boundsNanos.length; i++) {
            bounds[i] = boundsNanos[i] / (double) TimeUnit.SECONDS.toNanos(1);
        }
        bounds[boundsNanos.length] = Double.POSITIVE_INFINITY;
        return bounds;
    }

    /**
     * Durations counted in each bucket, not cumulative: element {@code i} took at most
     * {@code boundsSeconds()[i]} and more than the bound before.
     */
    public long[] counts() {
        return Arrays.stream(buckets).mapToLong(LongAdder::sum).toArray();
    }

    /** All the counted durations together, in seconds. */
    public double totalSeconds() {
        return totalNanos.sum() / (double) TimeUnit.SECONDS.toNanos(1);
    }
}
