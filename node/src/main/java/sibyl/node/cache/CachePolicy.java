package sibyl.node.cache;

import java.time.Clock;
import java.time.Duration;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * ICP from what the node holds: {@link IcpVerdict#HIT} for a URL with a stored response that is
 * fresh and stays fresh for {@code fresh-for} more (Squid's own ICP answers use 30 s), so that
 * the HTTP request Squid sends next is served from the cache; no opinion otherwise. A HIT pins
 * the URL for {@code pin}, keeping eviction from breaking that promise.
 *
 * <p>A URL with several variants is a HIT when any is fresh: ICP carries no request headers to
 * choose one by.
 */
public final class CachePolicy implements IcpPolicy {
    private final CacheIndex index;
    private final long freshForSeconds;
    private final long pinNanos;
    private final Clock clock;

    /** @param clock the clock freshness is reckoned by, the one entries were stored by */
    public CachePolicy(CacheIndex index, Duration freshFor, Duration pin, Clock clock) {
        this.index = index;
        this.clock = clock;
        this.freshForSeconds = freshFor.toSeconds();
        this.pinNanos = pin.toNanos();
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        return promise(CacheKey.of(query.url())) ? IcpVerdict.HIT : null;
    }

    /**
     * Whether a response for {@code key} (a {@link CacheKey}) is held fresh for {@code fresh-for}
     * more, pinning it if so: what a HIT may promise.
     */
    public boolean promise(String key) {
        long now = clock.millis();
        for (CacheEntry entry : index.peek(key)) {
            Freshness freshness = entry.freshness();
            if (!freshness.revalidateAlways() && freshness.freshForSeconds(now) > freshForSeconds) {
                index.pin(key, System.nanoTime() + pinNanos);
                return true;
            }
        }
        return false;
    }
}
