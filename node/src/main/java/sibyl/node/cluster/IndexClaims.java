package sibyl.node.cluster;

import java.time.Clock;
import java.time.Duration;
import sibyl.cluster.Ownership;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.CacheIndex;

/**
 * The index's changes as claims: a URL stored is claimed for as long as the response stays
 * fresh; a URL gone from the index (evicted, invalidated, purged) is released. Until the node
 * has joined its cluster ({@link #attach}) nothing is claimed.
 */
public final class IndexClaims implements CacheIndex.Listener {
    private final Clock clock;
    private volatile Ownership ownership;

    /** @param clock the clock freshness is reckoned by */
    public IndexClaims(Clock clock) {
        this.clock = clock;
    }

    /** From now on, stores and removals are claims and releases in {@code ownership}. */
    public void attach(Ownership ownership) {
        this.ownership = ownership;
    }

    @Override
    public void stored(CacheEntry entry) {
        Ownership current = ownership;
        long freshFor = entry.freshness().freshForSeconds(clock.millis());
        if (current != null && freshFor > 0) {
            current.claim(entry.key(), Duration.ofSeconds(freshFor));
        }
    }

    @Override
    public void removed(String key) {
        Ownership current = ownership;
        if (current != null) {
            current.release(key);
        }
    }
}
