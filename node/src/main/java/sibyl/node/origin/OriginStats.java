package sibyl.node.origin;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the origin clients of one proxy did, since it started: the per-origin pools they hold,
 * the requests retried on a fresh connection, and each kind of origin fault. Shared by the
 * clients of every event loop; read on the counters page as {@code sibyl.origin.*}.
 */
public final class OriginStats {
    final LongAdder pools = new LongAdder();
    final LongAdder poolsEvicted = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder unsolicited = new LongAdder();
    /** One budget of warnings for every client of the proxy. */
    final FaultLog log = new FaultLog();
    private final Map<OriginFailure, LongAdder> failures = new EnumMap<>(OriginFailure.class);

    public OriginStats() {
        for (OriginFailure failure : OriginFailure.values()) {
            failures.put(failure, new LongAdder());
        }
    }

    /** Per-origin connection pools held now, empty ones waiting for eviction included. */
    public long pools() {
        return pools.sum();
    }

    /** Pools closed and removed: empty for origin.pool-idle-timeout, or the least recently used at origin.max-pools. */
    public long poolsEvicted() {
        return poolsEvicted.sum();
    }

    /** Idempotent requests sent again on a fresh connection after a reused one was found dead. */
    public long retries() {
        return retries.sum();
    }

    /** Exchanges that failed in this way. */
    public long failures(OriginFailure failure) {
        return failures.get(failure).sum();
    }

    /** Origin faults: exchanges that failed by the origin's doing (not {@link OriginFailure#BUSY}), and data sent out of turn. */
    public long faults() {
        long sum = unsolicited.sum();
        for (OriginFailure failure : OriginFailure.values()) {
            if (failure != OriginFailure.BUSY) {
                sum += failures(failure);
            }
        }
        return sum;
    }

    /** The counters by name, as the counters page lists them under {@code sibyl.origin.}. */
    public Map<String, Long> counters() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("pools", pools());
        counters.put("pools_evicted", poolsEvicted());
        counters.put("retries", retries());
        counters.put("faults", faults());
        for (OriginFailure failure : OriginFailure.values()) {
            counters.put("failures." + failure.name().toLowerCase(java.util.Locale.ROOT), failures(failure));
        }
        counters.put("failures.unsolicited_data", unsolicited.sum());
        return counters;
    }

    void failed(OriginFailure failure) {
        failures.get(failure).increment();
    }
}
