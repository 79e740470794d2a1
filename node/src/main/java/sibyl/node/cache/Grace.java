package sibyl.node.cache;

import java.time.Duration;

/**
 * How long past its freshness the operator lets a response be served stale when its origin said
 * nothing of it (its own RFC 5861 directives always count instead); never for a response that
 * forbids stale serving ({@link Freshness#stalePermitted()}).
 *
 * @param whileRevalidating served at once while one background request revalidates it
 * @param ifDisconnected served when its revalidation cannot reach the origin at all
 */
public record Grace(Duration whileRevalidating, Duration ifDisconnected) {
    /** RFC 9111 without the operator's leave: nothing stale unless the origin says so. */
    public static final Grace NONE = new Grace(Duration.ZERO, Duration.ZERO);

    public Grace {
        if (whileRevalidating.isNegative() || ifDisconnected.isNegative()) {
            throw new IllegalArgumentException("a grace is not negative");
        }
    }
}
