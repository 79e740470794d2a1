package sibyl.node.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a response without explicit expiration stays fresh (RFC 9111 section 4.2.2): a
 * fraction of the time since its Last-Modified, at most {@code max}. Only for the status codes
 * RFC 9110 section 15.1 calls heuristically cacheable, or for {@code public} responses.
 *
 * @param fraction of (Date - Last-Modified); the RFC suggests 0.1
 * @param max the longest heuristic lifetime
 */
public record Heuristics(double fraction, Duration max) {

    public static final Heuristics RFC_SUGGESTED = new Heuristics(0.1, Duration.ofDays(1));

    public Heuristics {
        Objects.requireNonNull(max, "max");
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("heuristic fraction must be within 0..1, not " + fraction);
        }
        if (max.isNegative()) {
            throw new IllegalArgumentException("heuristic maximum must not be negative");
        }
    }

    /** RFC 9110 section 15.1: 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501. */
    public static boolean heuristicallyCacheable(int status) {
        return switch (status) {
            case 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501 -> true;
            default -> false;
        };
    }

    /** The heuristic lifetime for a response modified {@code sinceModifiedSeconds} before its Date. */
    long lifetimeSeconds(long sinceModifiedSeconds) {
        if (sinceModifiedSeconds <= 0) {
            return 0;
        }
        return Math.min((long) (sinceModifiedSeconds * fraction), max.toSeconds());
    }
}
