package sibyl.node.origin;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Origin faults as node-log warnings, at most {@link #BURST} at once and one a second after
 * that: a broken origin asked a thousand times a second must not flood the log. Those left out
 * are counted and the next warning says how many; every fault is counted in {@link OriginStats}
 * regardless.
 */
final class FaultLog {
    private static final Logger log = LoggerFactory.getLogger(OriginClient.class);
    static final int BURST = 10;
    private static final long REFILL_NANOS = 1_000_000_000L;

    private final LongSupplier clock;
    private double tokens = BURST;
    private long lastNanos;
    private long suppressed;

    FaultLog() {
        this(System::nanoTime);
    }

    /** @param clock nanoseconds, as {@link System#nanoTime} */
    FaultLog(LongSupplier clock) {
        this.clock = clock;
        this.lastNanos = clock.getAsLong();
    }

    /** Logs {@code message} unless the budget is spent. Faults are rare: one lock is cheap enough. */
    void warn(String message) {
        long left;
        synchronized (this) {
            long now = clock.getAsLong();
            tokens = Math.min(BURST, tokens + (double) (now - lastNanos) / REFILL_NANOS);
            lastNanos = now;
            if (tokens < 1) {
                suppressed++;
                return;
            }
            tokens--;
            left = suppressed;
            suppressed = 0;
        }
        if (left > 0) {
            log.warn("{} ({} more origin faults not logged before this one; see sibyl.origin.* counters)", message, left);
        } else {
            log.warn(message);
        }
    }
}
