package sibyl.node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The node's traffic over the last minutes, for the status page's chart: the running totals
 * sampled every {@value #INTERVAL_SECONDS} s, the last {@value #SAMPLES} kept, reported as what
 * each interval added.
 */
final class TrafficHistory {
    static final int INTERVAL_SECONDS = 10;
    static final int SAMPLES = 61; // ten minutes of intervals

    /** Running totals at one moment. */
    record Totals(long millis, long requests, long hits, long bytesOut, long icpQueries) {}

    /** What one interval added. */
    record Interval(long endMillis, long requests, long hits, long bytesOut, long icpQueries) {}

    private final Deque<Totals> samples = new ArrayDeque<>();

    synchronized void sample(Totals totals) {
        if (samples.size() == SAMPLES) {
            samples.removeFirst();
        }
        samples.addLast(totals);
    }

    /** Each interval sampled, oldest first; empty until two samples are taken. */
    synchronized List<Interval> intervals() {
        List<Interval> intervals = new ArrayList<>();
        Totals previous = null;
        for (Totals totals : samples) {
            if (previous != null) {
                intervals.add(new Interval(totals.millis(), totals.requests() - previous.requests(),
                        totals.hits() - previous.hits(), totals.bytesOut() - previous.bytesOut(),
                        totals.icpQueries() - previous.icpQueries()));
            }
            previous = totals;
        }
        return intervals;
    }
}
