package sibyl.node.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.IllegalReferenceCountException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the node holds: URL → its stored variants, bounded by the bytes they cost (Caffeine,
 * weighed in bytes, Window TinyLFU eviction).
 *
 * <p>Two refinements:
 * <ul>
 *   <li><b>References.</b> The index holds one reference to each body; {@link #lookup} returns
 *       an entry with a reference of the caller's own, so eviction during a transfer frees the
 *       body only when the transfer releases it.
 *   <li><b>HIT pinning.</b> An ICP HIT promises Squid the object; the HTTP request follows a
 *       moment later. {@link #pin} marks the URL for a short window, without a lock or an
 *       allocation (it runs on the ICP path), and eviction parks a pinned URL aside instead of
 *       dropping it, so the promised request still finds it. The index may exceed its bound by
 *       what is parked, at most what was answered HIT during one window.
 * </ul>
 *
 * <p>Reads ({@link #lookup}, {@link #peek}, {@link #pin}) never wait on eviction work: Caffeine
 * runs that on {@code maintenance}.
 */
public final class CacheIndex implements AutoCloseable {

    /** Hears what the index holds change, on the thread that changed it (an event loop, or Caffeine's maintenance). */
    public interface Listener {
        /** Nothing to hear. */
        Listener NONE = new Listener() {
            @Override
            public void stored(CacheEntry entry) {}

            @Override
            public void removed(String key) {}
        };

        /** {@code entry} was stored (a new URL, or a new variant or version of one held). */
        void stored(CacheEntry entry);

        /** Every variant of {@code key} is gone: evicted, invalidated or purged. */
        void removed(String key);
    }

    private final Cache<String, Variants> cache;
    private final Map<String, Variants> parked = new ConcurrentHashMap<>();
    private final long maxObjectBytes;
    private final LongAdder evictions = new LongAdder();
    private final Listener listener;

    /**
     * @param maxBytes what all stored responses may cost together (body, headers, bookkeeping)
     * @param maxObjectBytes the largest body stored
     * @param maintenance where Caffeine evicts and calls listeners; never an ICP or HTTP thread
     */
    public CacheIndex(long maxBytes, long maxObjectBytes, Executor maintenance) {
        this(maxBytes, maxObjectBytes, maintenance, Listener.NONE);
    }

    /** @param listener told of every URL stored and removed (the cluster's claims follow it) */
    public CacheIndex(long maxBytes, long maxObjectBytes, Executor maintenance, Listener listener) {
        this.maxObjectBytes = maxObjectBytes;
        this.listener = listener;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Variants variants) -> (int) Math.min(Integer.MAX_VALUE, variants.weight()))
                .executor(maintenance)
                .evictionListener((String key, Variants variants, RemovalCause cause) -> {
                    if (variants != null && cause == RemovalCause.SIZE && variants.pinnedAt(System.nanoTime())) {
                        variants.park();
                        Variants previous = parked.put(key, variants);
                        if (previous != null) {
                            previous.release();
                        }
                    }
                })
                .removalListener((String key, Variants variants, RemovalCause cause) -> {
                    if (variants == null) {
                        return;
                    }
                    if (cause.wasEvicted()) {
                        evictions.increment();
                    }
                    if (cause != RemovalCause.REPLACED) {
                        listener.removed(key);
                    }
                    if (!variants.parked()) {
                        variants.release();
                    }
                })
                .build();
    }

    /** The largest body this index stores; larger responses stream through unstored. */
    public long maxObjectBytes() {
        return maxObjectBytes;
    }

    /**
     * Stores {@code entry} as the variant of its URL for its variant key, varying on
     * {@code varyFields}. The index takes its own reference to the body; the caller keeps its
     * own. Returns false, storing nothing, if the body is larger than the index allows.
     */
    public boolean store(CacheEntry entry, List<String> varyFields) {
        if (entry.body().length() > maxObjectBytes) {
            return false;
        }
        dropParked(entry.key());
        cache.asMap().compute(entry.key(), (key, current) ->
                current == null ? Variants.of(entry, varyFields) : current.with(entry, varyFields));
        listener.stored(entry);
        return true;
    }

    /**
     * The stored variant of {@code key} for a request with {@code requestHeaders}, with a
     * reference to its body that the caller must release, or {@code null}.
     */
    public CacheEntry lookup(String key, HttpHeaders requestHeaders) {
        for (int attempt = 0; attempt < 2; attempt++) {
            Variants variants = variants(key);
            if (variants == null) {
                return null;
            }
            CacheEntry entry = variants.variant(VaryKey.of(variants.varyFields(), requestHeaders));
            if (entry == null) {
                return null;
            }
            try {
                entry.body().retain();
                return entry;
            } catch (IllegalReferenceCountException e) {
                // Dropped and freed between the read and the retain: look again.
            }
        }
        return null;
    }

    /**
     * The stored variants of {@code key}, without references: for decisions (an ICP answer), never
     * for serving. Allocates nothing.
     */
    public List<CacheEntry> peek(String key) {
        Variants variants = variants(key);
        return variants == null ? List.of() : variants.entries();
    }

    /** Keeps {@code key}'s variants from eviction until {@code untilNanos} (System.nanoTime()). */
    public void pin(String key, long untilNanos) {
        Variants variants = cache.getIfPresent(key);
        if (variants != null) {
            variants.pinUntil(untilNanos);
        }
    }

    /** Removes every variant of {@code key}; true if there was one. */
    public boolean invalidate(String key) {
        boolean parkedOne = dropParked(key);
        return cache.asMap().remove(key) != null || parkedOne;
    }

    /** Releases the parked URLs whose pin has run out; call it every second or so. */
    public void releaseExpiredPins() {
        long now = System.nanoTime();
        parked.forEach((key, variants) -> {
            if (!variants.pinnedAt(now) && parked.remove(key, variants)) {
                variants.release();
            }
        });
    }

    /** URLs held, parked ones included. */
    public long size() {
        return cache.estimatedSize() + parked.size();
    }

    /** Bytes the stored responses cost, parked ones included. */
    public long weight() {
        long total = cache.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0)).orElse(0L);
        for (Variants variants : parked.values()) {
            total += variants.weight();
        }
        return total;
    }

    /** URLs evicted for room since the index was made. */
    public long evictions() {
        return evictions.sum();
    }

    /** Runs pending eviction work now: for tests and shutdown. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** Drops everything, releasing every body reference the index holds. */
    @Override
    public void close() {
        cache.invalidateAll();
        cache.cleanUp();
        parked.keySet().forEach(this::dropParked);
    }

    private Variants variants(String key) {
        Variants variants = cache.getIfPresent(key);
        return variants != null ? variants : parked.get(key);
    }

    private boolean dropParked(String key) {
        Variants variants = parked.remove(key);
        if (variants != null) {
            variants.release();
            return true;
        }
        return false;
    }
}
