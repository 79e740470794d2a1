package sibyl.node.origin;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How long each origin takes to answer, for the status page's slowest origins: per origin
 * (host and port), the responses timed, their mean and their slowest. At most
 * {@value #MAX_ORIGINS} origins are followed; one first heard of past that is not (a forward
 * proxy may be asked for any host on earth).
 */
public final class OriginLatencies {
    static final int MAX_ORIGINS = 1024;

    private final Map<String, Timing> byOrigin = new ConcurrentHashMap<>();

    /** One origin's figures, as of a look. */
    public record Figures(String origin, long responses, double meanMillis, double maxMillis) {}

    private static final class Timing {
        final LongAdder responses = new LongAdder();
        final LongAdder totalNanos = new LongAdder();
        final AtomicLong maxNanos = new AtomicLong();
        volatile long lastMillis;
    }

    /** {@code origin} answered a request's head {@code nanos} after it was sent. */
    public void record(String origin, long nanos, long nowMillis) {
        Timing timing = byOrigin.get(origin);
        if (timing == null) {
            if (byOrigin.size() >= MAX_ORIGINS) {
                return;
            }
            timing = byOrigin.computeIfAbsent(origin, key -> new Timing());
        }
        timing.responses.increment();
        timing.totalNanos.add(nanos);
        timing.maxNanos.accumulateAndGet(nanos, Math::max);
        timing.lastMillis = nowMillis;
    }

    /** The {@code count} origins with the slowest mean that answered since {@code sinceMillis}, slowest first. */
    public List<Figures> slowest(int count, long sinceMillis) {
        return byOrigin.entrySet().stream()
                .filter(entry -> entry.getValue().lastMillis >= sinceMillis)
                .map(entry -> {
                    Timing timing = entry.getValue();
                    long responses = Math.max(1, timing.responses.sum());
                    return new Figures(entry.getKey(), timing.responses.sum(), timing.totalNanos.sum() / 1e6 / responses,
                            timing.maxNanos.get() / 1e6);
                })
                .sorted(Comparator.comparingDouble(Figures::meanMillis).reversed())
                .limit(count)
                .toList();
    }
}
