package sibyl.node.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The proxy's counters, since the node started. Read them through
 * {@code GET /squid-internal-mgr/counters} (Squid's cache manager page of that name, whose
 * {@code client_http.*} lines it shares) or {@link sibyl.node.SibylNode#httpStats()}.
 */
public final class HttpStats {
    final LongAdder requests = new LongAdder();
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder revalidations = new LongAdder();
    final LongAdder staleWhileRevalidating = new LongAdder();
    final LongAdder staleOnError = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder hitBytesOut = new LongAdder();
    final LongAdder originRequests = new LongAdder();
    final LongAdder originErrors = new LongAdder();
    final LongAdder splicedResponses = new LongAdder();
    final LongAdder peerRequests = new LongAdder();
    final LongAdder peerErrors = new LongAdder();
    final LongAdder splicedBytes = new LongAdder();
    final LongAdder collapsed = new LongAdder();
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final sibyl.node.origin.OriginStats origin = new sibyl.node.origin.OriginStats();
    private final ConnectionLimits connections;
    private final BodyBudget bodies;
    private final MeterRegistry registry;
    /** Requests by Squid result code and status, as sibyl_http_requests_total; made as first seen. */
    private final AtomicReferenceArray<Counter> byCodeAndStatus =
            new AtomicReferenceArray<>(LogCode.values().length * STATUSES);
    private final Timer hitLatency;
    private final Timer missLatency;
    private final Timer originLatency;
    private final sibyl.node.origin.OriginLatencies originLatencies = new sibyl.node.origin.OriginLatencies();
    private static final int STATUSES = 600;

    /** @param registry where the request latencies and the requests by code and status are kept */
    HttpStats(ConnectionLimits connections, BodyBudget bodies, MeterRegistry registry) {
        this.connections = connections;
        this.bodies = bodies;
        this.registry = registry;
        this.hitLatency = requestTimer(registry, "hit");
        this.missLatency = requestTimer(registry, "miss");
        this.originLatency = Timer.builder("sibyl.origin.response")
                .description("Time from a request sent to an origin to its response's head")
                .serviceLevelObjectives(buckets(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000))
                .register(registry);
    }

    private static Timer requestTimer(MeterRegistry registry, String cache) {
        return Timer.builder("sibyl.http.request")
                .description("Time from a request read to its response's last byte written, for hits and the rest")
                .tag("cache", cache)
                .serviceLevelObjectives(buckets(0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000, 30_000))
                .register(registry);
    }

    private static Duration[] buckets(double... millis) {
        Duration[] buckets = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            buckets[i] = Duration.ofNanos((long) (millis[i] * 1_000_000));
        }
        return buckets;
    }

    /** Client connections open. */
    public int connections() {
        return connections.open();
    }

    /** Bytes of request bodies held. */
    public long requestBodyBytes() {
        return bodies.held();
    }

    /** The origin clients' pools, retries and faults ({@code sibyl.origin.*} on the counters page). */
    public sibyl.node.origin.OriginStats origin() {
        return origin;
    }

    public long requests() {
        return requests.sum();
    }

    /** Requests answered from the cache (304s from the cache and refreshed entries included). */
    public long hits() {
        return hits.sum();
    }

    /** Cacheable requests that had to go to the origin. */
    public long misses() {
        return misses.sum();
    }

    /** Stale entries checked with their origin. */
    public long revalidations() {
        return revalidations.sum();
    }

    /** Stale entries served while revalidated in the background (stale-while-revalidate, or the grace). */
    public long staleWhileRevalidating() {
        return staleWhileRevalidating.sum();
    }

    /** Stale entries served instead of the origin's failure (stale-if-error, or the grace). */
    public long staleOnError() {
        return staleOnError.sum();
    }

    /** Responses with a 4xx or 5xx status. */
    public long errors() {
        return errors.sum();
    }

    /** Response bytes written to clients, headers included. */
    public long bytesOut() {
        return bytesOut.sum();
    }

    public long hitBytesOut() {
        return hitBytesOut.sum();
    }

    public long originRequests() {
        return originRequests.sum();
    }

    /** Origin exchanges that failed: unreachable, timed out, busy, bad or cut-short responses. */
    public long originErrors() {
        return originErrors.sum();
    }

    /** Misses fetched from the cluster member that owns the URL instead of its origin. */
    public long peerRequests() {
        return peerRequests.sum();
    }

    /** Of those, the ones the owner failed, asked of the origin instead. */
    public long peerErrors() {
        return peerErrors.sum();
    }

    /** Requests begun and not yet answered in full. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Origin responses whose body went from the origin's socket into the client's by splice. */
    public long splicedResponses() {
        return splicedResponses.sum();
    }

    /** Body bytes those responses moved past the JVM. */
    public long splicedBytes() {
        return splicedBytes.sum();
    }

    /** Requests that waited for another's fetch of the same object rather than making their own. */
    public long collapsed() {
        return collapsed.sum();
    }

    /** How long each origin takes to answer, for the status page. */
    public sibyl.node.origin.OriginLatencies originLatencies() {
        return originLatencies;
    }

    void originResponded(String origin, long nanos) {
        originLatency.record(nanos, TimeUnit.NANOSECONDS);
        originLatencies.record(origin, nanos, System.currentTimeMillis());
    }

    void record(Transaction transaction) {
        long elapsed = System.nanoTime() - transaction.startNanos;
        (transaction.code.hit() ? hitLatency : missLatency).record(elapsed, TimeUnit.NANOSECONDS);
        int status = transaction.status >= 0 && transaction.status < STATUSES ? transaction.status : 0;
        int slot = transaction.code.ordinal() * STATUSES + status;
        Counter counter = byCodeAndStatus.get(slot);
        if (counter == null) {
            counter = Counter.builder("sibyl.http.requests")
                    .description("Requests answered, by Squid result code and status")
                    .tags("code", transaction.code.name(), "status", Integer.toString(status))
                    .register(registry);
            byCodeAndStatus.set(slot, counter);
        }
        counter.increment();
        requests.increment();
        bytesOut.add(transaction.bytesOut);
        if (transaction.code == LogCode.TCP_MISS || transaction.code == LogCode.TCP_REFRESH_MODIFIED) {
            if (transaction.method.equals("GET") || transaction.method.equals("HEAD")) {
                misses.increment();
            }
        }
        if (transaction.code.hit()) {
            hits.increment();
            hitBytesOut.add(transaction.bytesOut);
        }
        if (transaction.status >= 400) {
            errors.increment();
        }
    }
}
