package sibyl.node.cluster;

import java.time.Clock;
import sibyl.cluster.Holdings;
import sibyl.cluster.Ownership;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.CacheIndex;

/**
 * The index as the cluster sees it: what it holds (its loads, its URLs when partitions move),
 * and its changes, which the ownership turns into claims where a URL is held away from its
 * partition owner. Until the node has joined its cluster ({@link #attach}) nothing is claimed.
 */
public final class IndexClaims implements CacheIndex.Listener, Holdings {
    private final Clock clock;
    private volatile CacheIndex index;
    private volatile Ownership ownership;

    /** @param clock the clock freshness is reckoned by */
    public IndexClaims(Clock clock) {
        this.clock = clock;
    }

    /** The index this listens to (made after it, as it is the index's listener). */
    public void holdings(CacheIndex index) {
        this.index = index;
    }

    /** From now on, stores and removals go to {@code ownership}. */
    public void attach(Ownership ownership) {
        this.ownership = ownership;
    }

    @Override
    public void stored(CacheEntry entry) {
        Ownership current = ownership;
        long now = clock.millis();
        long freshFor = entry.freshness().freshForSeconds(now);
        if (current != null && freshFor > 0) {
            current.stored(entry.key(), now + freshFor * 1000);
        }
    }

    @Override
    public void removed(String key) {
        Ownership current = ownership;
        if (current != null) {
            current.removed(key);
        }
    }

    /**
     * URLs the index ranks: a parked URL (evicted, kept until the HIT it was promised for is
     * served) is leaving, and counting it would make the node that promised most look loaded.
     */
    @Override
    public long objects() {
        CacheIndex current = index;
        return current == null ? 0 : current.rankedSize();
    }

    @Override
    public long bytes() {
        CacheIndex current = index;
        return current == null ? 0 : current.rankedWeight();
    }

    /** Another member's copy of {@code key} is the one the cluster answers for: this one goes. */
    @Override
    public boolean drop(String key) {
        CacheIndex current = index;
        return current != null && current.invalidate(key);
    }

    @Override
    public void forEachHeld(Held held) {
        CacheIndex current = index;
        if (current != null) {
            current.forEachHeld(clock.millis(), held::accept);
        }
    }
}
