package sibyl.node.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import sibyl.icp.metrics.LatencyHistogram;

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
    /** Requests by Squid result code and status (code × {@value #STATUSES} + status); made as first seen. */
    private final AtomicReferenceArray<LongAdder> byCodeAndStatus =
            new AtomicReferenceArray<>(LogCode.values().length * STATUSES);
    private static final int STATUSES = 600;
    /** From a request read to its last byte written: hits take well under a millisecond over a LAN. */
    private final LatencyHistogram hitLatency = LatencyHistogram.ofMillis(
            0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000, 30_000);
    private final LatencyHistogram missLatency = LatencyHistogram.ofMillis(
            0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000, 30_000);
    /** From a request sent to an origin to its response's head. */
    private final LatencyHistogram originLatency = LatencyHistogram.ofMillis(
            1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000);
    private final sibyl.node.origin.OriginLatencies originLatencies = new sibyl.node.origin.OriginLatencies();

    HttpStats(ConnectionLimits connections, BodyBudget bodies) {
        this.connections = connections;
        this.bodies = bodies;
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

    /** Requests answered, by Squid result code name, then status, as counted so far; absent: none. */
    public Map<String, Map<Integer, Long>> requestsByCodeAndStatus() {
        Map<String, Map<Integer, Long>> byCode = new TreeMap<>();
        for (int slot = 0; slot < byCodeAndStatus.length(); slot++) {
            LongAdder count = byCodeAndStatus.get(slot);
            if (count != null) {
                byCode.computeIfAbsent(LogCode.values()[slot / STATUSES].name(), code -> new TreeMap<>())
                        .put(slot % STATUSES, count.sum());
            }
        }
        return byCode;
    }

    /** How long requests took, from read to last byte written: the hits', or the others'. */
    public LatencyHistogram latency(boolean hits) {
        return hits ? hitLatency : missLatency;
    }

    /** How long origins took to answer a request's head. */
    public LatencyHistogram originLatency() {
        return originLatency;
    }

    void originResponded(String origin, long nanos) {
        originLatency.record(nanos);
        originLatencies.record(origin, nanos, System.currentTimeMillis());
    }

    void record(Transaction transaction, long elapsedNanos) {
        (transaction.code.hit() ? hitLatency : missLatency).record(elapsedNanos);
        int status = transaction.status >= 0 && transaction.status < STATUSES ? transaction.status : 0;
        int slot = transaction.code.ordinal() * STATUSES + status;
        LongAdder count = byCodeAndStatus.get(slot);
        if (count == null) {
            byCodeAndStatus.compareAndSet(slot, null, new LongAdder());
            count = byCodeAndStatus.get(slot);
        }
        count.increment();
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
