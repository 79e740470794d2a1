package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.IllegalReferenceCountException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import sibyl.node.cache.replacement.Replacement;
import sibyl.node.cache.replacement.Resident;

/**
 * What the node holds: URL → its stored variants, bounded by the bytes they cost. Which URLs stay
 * is the {@link Replacement} policy's choice (Window TinyLFU whose window follows the workload),
 * ranked by the requests {@link #lookup} counts.
 *
 * <p>Two refinements:
 * <ul>
 *   <li><b>References.</b> The index holds one reference to each body; {@link #lookup} returns
 *       an entry with a reference of the caller's own, so eviction during a transfer frees the
 *       body only when the transfer releases it.
 *   <li><b>Slices.</b> The slices of a URL ({@link CacheKey#slice}) are entries of their own,
 *       each ranked and evicted alone, but they go with their URL: invalidating it removes them.
 *       They are not URLs the node holds for its cluster: the {@link Listener}, {@link #forEachHeld}
 *       and {@link #hottest} never see them.
 *   <li><b>HIT pinning.</b> An ICP HIT promises Squid the object; the HTTP request follows a
 *       moment later. {@link #pin} marks the URL for a short window, without a lock or an
 *       allocation (it runs on the ICP path), and eviction parks a pinned URL aside instead of
 *       dropping it, so the promised request still finds it. The index may exceed its bound by
 *       what is parked: what was answered HIT during one window, and never more than an eighth
 *       of the bound. Past that, a pinned URL is dropped as any other and the promise broken
 *       (counted: {@link #pinsBroken}); Squid's request then misses here.
 * </ul>
 *
 * <p>Reads ({@link #lookup}, {@link #peek}, {@link #pin}) take no lock and never wait on
 * eviction: a lookup leaves its request in a lossy buffer, and the policy hears of requests and
 * stores, and evicts, on {@code maintenance}, under the index's one lock. Between a store and the
 * maintenance after it, the index may hold more than its bound: by {@value #MAX_PENDING_WRITES}
 * stores at most, after which the storing thread does maintenance itself.
 */
public final class CacheIndex implements AutoCloseable {

    /**
     * Hears what the index holds change: in the order of the changes to each URL, while the index
     * holds that URL still, on the thread that changed it (an event loop, or maintenance). Keep it
     * short, and never call back into the index.
     */
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

    /** One URL held: its variants, and its place in the replacement policy. */
    private static final class Slot extends Resident {
        final String key;
        /** Replaced, under the map's hold on the key, when a variant is stored. */
        volatile Variants variants;
        /**
         * Requests served from it, for {@code sibyl cache list}: made at its first hit, through
         * {@link #HITS}. An adder of its own, not a field here: a hot object's hits from every
         * event loop would otherwise bounce the line that holds its variants between cores.
         */
        volatile LongAdder hits;

        void hit() {
            LongAdder counted = hits;
            if (counted == null && !HITS.compareAndSet(this, null, counted = new LongAdder())) {
                counted = hits;
            }
            counted.increment();
        }

        long hits() {
            LongAdder counted = hits;
            return counted == null ? 0 : counted.sum();
        }

        Slot(String key, long hash, Variants variants) {
            super(hash);
            this.key = key;
            this.variants = variants;
        }
    }

    private enum Change { ADD, REWEIGH, REMOVE }

    /** A change the policy has yet to hear of. */
    private record Write(Slot slot, Change change) {}

    /** Changes queued before a writer does maintenance itself. */
    static final int MAX_PENDING_WRITES = 64;

    private static final VarHandle HITS;

    static {
        try {
            HITS = MethodHandles.lookup().findVarHandle(Slot.class, "hits", LongAdder.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final Map<String, Variants> parked = new ConcurrentHashMap<>();
    /** URL key → the keys of its slices held. */
    private final Map<String, java.util.Set<String>> slices = new ConcurrentHashMap<>();
    private final long maxObjectBytes;
    private final Listener listener;
    private final Executor maintenance;
    private final LongAdder evictions = new LongAdder();
    private final LongAdder pinsBroken = new LongAdder();
    /** What the parked URLs weigh: at most {@link #maxParkedBytes}. */
    private final AtomicLong parkedBytes = new AtomicLong();
    private final long maxParkedBytes;

    private final RequestBuffer requests = new RequestBuffer();
    private final Queue<Write> writes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingWrites = new AtomicInteger();
    private final AtomicBoolean maintenanceDue = new AtomicBoolean();
    private final Runnable maintain = this::cleanUp;
    /** Guards {@link #replacement}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Replacement<Slot> replacement;
    private final Consumer<Object> countRequest = this::countRequest;
    private final Consumer<Slot> evict = this::evict;
    /** What the policy ranks weighs, as of the last maintenance. */
    private volatile long rankedWeight;

    /**
     * @param maxBytes what all stored responses may cost together (body, headers, bookkeeping)
     * @param maxObjectBytes the largest body stored
     * @param maintenance where the policy runs and evicts; never an ICP or HTTP thread
     */
    public CacheIndex(long maxBytes, long maxObjectBytes, Executor maintenance) {
        this(maxBytes, maxObjectBytes, maintenance, Listener.NONE);
    }

    /** @param listener told of every URL stored and removed (the cluster's claims follow it) */
    public CacheIndex(long maxBytes, long maxObjectBytes, Executor maintenance, Listener listener) {
        this.maxObjectBytes = maxObjectBytes;
        this.listener = listener;
        this.maintenance = maintenance;
        this.replacement = new Replacement<>(maxBytes);
        this.maxParkedBytes = maxBytes / 8;
    }

    /** The largest body this index stores; larger responses stream through unstored. */
    public long maxObjectBytes() {
        return maxObjectBytes;
    }

    /**
     * Stores {@code entry} as the variant of its URL for its variant key, varying on
     * {@code varyFields}. The index takes its own reference to the body; the caller keeps its
     * own. Returns false, storing nothing, if the body is larger than the index allows. A URL
     * stored may still be evicted at once, by the next maintenance, if the policy does not admit it.
     */
    public boolean store(CacheEntry entry, List<String> varyFields) {
        if (entry.body().length() > maxObjectBytes) {
            return false;
        }
        dropParked(entry.key());
        String url = CacheKey.slicedUrl(entry.key());
        if (url != null) {
            slices.compute(url, (key, held) -> {
                java.util.Set<String> keys = held != null ? held : ConcurrentHashMap.newKeySet();
                keys.add(entry.key());
                return keys;
            });
        }
        Variants[] replaced = new Variants[1];
        slots.compute(entry.key(), (key, slot) -> {
            if (slot == null) {
                slot = new Slot(key, replacement.hash(key), Variants.of(entry, varyFields));
                writes.add(new Write(slot, Change.ADD));
            } else {
                replaced[0] = slot.variants;
                slot.variants = replaced[0].with(entry, varyFields);
                writes.add(new Write(slot, Change.REWEIGH));
            }
            if (url == null) {
                listener.stored(entry);
            }
            return slot;
        });
        if (replaced[0] != null) {
            replaced[0].release();
        }
        written();
        return true;
    }

    /**
     * A client's request for {@code key}: the stored variant for its {@code requestHeaders}, with a
     * reference to its body that the caller must release, or {@code null}. Counts the request,
     * hit or miss, for the replacement policy: call it once per request.
     */
    public CacheEntry lookup(String key, HttpHeaders requestHeaders) {
        Slot slot = slots.get(key);
        if (requests.add(slot != null ? slot : key)) {
            maintenanceDue();
        }
        CacheEntry entry = retained(slot != null ? slot.variants : parked.get(key), requestHeaders);
        if (entry != null && slot != null) {
            slot.hit();
        }
        return entry;
    }

    /**
     * One URL held, as {@code sibyl cache list} shows it.
     *
     * @param key the cache key: the URL
     * @param bytes what its variants cost together, headers and bodies
     * @param engine where its body is kept: {@code direct} or {@code pipe} (of its first variant)
     * @param freshSeconds how long its freshest variant stays fresh; 0 if stale
     * @param hits requests served from it since it was stored
     */
    public record Listed(String key, long bytes, String engine, long freshSeconds, long hits) {}

    /**
     * Calls {@code found} for at most {@code limit} URLs held (slices and parked ones aside) that
     * {@code match} accepts, and returns how many it accepted in all. Never on an event loop: it
     * reads every key.
     */
    public long list(long nowMillis, Predicate<String> match, int limit, Consumer<Listed> found) {
        long matched = 0;
        for (Slot slot : slots.values()) {
            if (CacheKey.slicedUrl(slot.key) != null || !match.test(slot.key)) {
                continue;
            }
            if (matched++ < limit) {
                Variants variants = slot.variants;
                List<CacheEntry> entries = variants.entries();
                long freshFor = 0;
                for (CacheEntry entry : entries) {
                    freshFor = Math.max(freshFor, entry.freshness().freshForSeconds(nowMillis));
                }
                found.accept(new Listed(slot.key, variants.weight(),
                        entries.isEmpty() ? "none" : entries.get(0).body().engine(), freshFor, slot.hits()));
            }
        }
        return matched;
    }

    /**
     * Removes every URL held that {@code match} accepts, with its variants and slices (as
     * {@link #invalidate}); returns how many. Never on an event loop: it reads every key.
     */
    public long invalidateMatching(Predicate<String> match) {
        List<String> keys = new ArrayList<>();
        for (String key : slots.keySet()) {
            if (CacheKey.slicedUrl(key) == null && match.test(key)) {
                keys.add(key);
            }
        }
        for (String key : parked.keySet()) {
            if (CacheKey.slicedUrl(key) == null && match.test(key)) {
                keys.add(key);
            }
        }
        long removed = 0;
        for (String key : keys) {
            if (invalidate(key)) {
                removed++;
            }
        }
        return removed;
    }

    /**
     * The stored variants of {@code key}, without references: for decisions (an ICP answer), never
     * for serving. Allocates nothing, and is not a request: ICP asks every peer about a URL that
     * only one will serve.
     */
    public List<CacheEntry> peek(String key) {
        Variants variants = variants(key);
        return variants == null ? List.of() : variants.entries();
    }

    /** Keeps {@code key}'s variants from eviction until {@code untilNanos} (System.nanoTime()). */
    public void pin(String key, long untilNanos) {
        Slot slot = slots.get(key);
        if (slot != null) {
            slot.variants.pinUntil(untilNanos);
        }
    }

    /** Removes every variant of {@code key}, and of its slices; true if there was one. */
    public boolean invalidate(String key) {
        boolean slicesRemoved = false;
        java.util.Set<String> sliceKeys = slices.remove(key);
        if (sliceKeys != null) {
            for (String slice : sliceKeys) {
                slicesRemoved |= invalidate(slice);
            }
        }
        boolean parkedOne = dropParked(key);
        Slot[] removed = new Slot[1];
        slots.computeIfPresent(key, (k, slot) -> {
            writes.add(new Write(slot, Change.REMOVE));
            removed(k);
            removed[0] = slot;
            return null;
        });
        if (removed[0] == null) {
            return parkedOne || slicesRemoved;
        }
        removed[0].variants.release();
        written();
        return true;
    }

    /** {@code key} left the map: the listener hears of a URL, its URL forgets a slice. */
    private void removed(String key) {
        String url = CacheKey.slicedUrl(key);
        if (url == null) {
            listener.removed(key);
            return;
        }
        slices.computeIfPresent(url, (k, held) -> {
            held.remove(key);
            return held.isEmpty() ? null : held;
        });
    }

    /** Releases the parked URLs whose pin has run out; call it every second or so. */
    public void releaseExpiredPins() {
        long now = System.nanoTime();
        parked.forEach((key, variants) -> {
            if (!variants.pinnedAt(now) && parked.remove(key, variants)) {
                unpark(variants);
            }
        });
    }

    /** Sees one URL held: its key, and until when its freshest variant stays fresh (epoch ms). */
    @FunctionalInterface
    public interface Held {
        void accept(String key, long freshUntilMillis);
    }

    /**
     * Calls {@code held} for every URL held, parked ones aside; concurrent stores and removals
     * may be seen or not. For the cluster, when partitions move: never on an event loop.
     */
    public void forEachHeld(long nowMillis, Held held) {
        for (Slot slot : slots.values()) {
            if (CacheKey.slicedUrl(slot.key) != null) {
                continue;
            }
            long freshFor = 0;
            for (CacheEntry entry : slot.variants.entries()) {
                freshFor = Math.max(freshFor, entry.freshness().freshForSeconds(nowMillis));
            }
            held.accept(slot.key, nowMillis + freshFor * 1000);
        }
    }

    /**
     * The URLs held that were requested most lately, most first, as many as weigh at most
     * {@code maxBytes} together: what a draining node hands to the members that take over.
     */
    public List<String> hottest(long maxBytes) {
        record Ranked(String key, int frequency, long weight) {}
        List<Ranked> ranked = new ArrayList<>();
        lock.lock();
        try {
            for (Slot slot : slots.values()) {
                if (slot.ranked() && CacheKey.slicedUrl(slot.key) == null) {
                    ranked.add(new Ranked(slot.key, replacement.frequency(slot), slot.variants.weight()));
                }
            }
        } finally {
            lock.unlock();
        }
        ranked.sort(java.util.Comparator.comparingInt(Ranked::frequency).reversed());
        List<String> hottest = new ArrayList<>();
        long bytes = 0;
        for (Ranked url : ranked) {
            if (bytes + url.weight() > maxBytes) {
                continue;
            }
            bytes += url.weight();
            hottest.add(url.key());
        }
        return hottest;
    }

    /** URLs the policy ranks: held, parked ones (evicted, kept only until their pin runs out) aside. */
    public long rankedSize() {
        return slots.size();
    }

    /** Bytes the ranked URLs cost, parked ones aside, as of the last maintenance. */
    public long rankedWeight() {
        return rankedWeight;
    }

    /** URLs held, parked ones included. */
    public long size() {
        return slots.size() + parked.size();
    }

    /** Bytes the stored responses cost, parked ones included, as of the last maintenance. */
    public long weight() {
        long total = rankedWeight;
        for (Variants variants : parked.values()) {
            total += variants.weight();
        }
        return total;
    }

    /** URLs evicted for room since the index was made. */
    public long evictions() {
        return evictions.sum();
    }

    /** URLs answered HIT that were dropped before their pin ran out, the parked ones having no room left. */
    public long pinsBroken() {
        return pinsBroken.sum();
    }

    /** What the replacement policy is doing now. */
    public Replacement.Status replacement() {
        lock.lock();
        try {
            return replacement.status();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells the policy of every request and store so far and evicts what it says: what
     * {@code maintenance} runs. Call it directly in tests and at shutdown.
     */
    public void cleanUp() {
        maintenanceDue.set(false);
        lock.lock();
        try {
            // Requests first: a miss is counted before the store that follows it, as it happened.
            requests.drain(countRequest);
            for (Write write; (write = writes.poll()) != null; ) {
                pendingWrites.decrementAndGet();
                apply(write);
            }
            replacement.evict(evict);
            rankedWeight = replacement.weight();
        } finally {
            lock.unlock();
        }
    }

    /** Drops everything, releasing every body reference the index holds. */
    @Override
    public void close() {
        slots.keySet().forEach(this::invalidate);
        cleanUp();
        parked.keySet().forEach(this::dropParked);
    }

    /**
     * A change was queued: maintenance is due, and if it has fallen that far behind, the writer
     * does it (as Caffeine's writers do), so the changes queued, and what the index holds beyond
     * its bound, stay bounded.
     */
    private void written() {
        if (pendingWrites.incrementAndGet() > MAX_PENDING_WRITES) {
            cleanUp();
        } else {
            maintenanceDue();
        }
    }

    private void maintenanceDue() {
        if (maintenanceDue.compareAndSet(false, true)) {
            try {
                maintenance.execute(maintain);
            } catch (RejectedExecutionException e) {
                cleanUp(); // shutting down: nobody else will
            }
        }
    }

    private void apply(Write write) {
        Slot slot = write.slot();
        switch (write.change()) {
            case ADD -> {
                // A slot invalidated before the policy heard of it is never ranked: it left the
                // map for good (a later store of its URL makes a new slot).
                if (!slot.ranked() && slots.get(slot.key) == slot) {
                    replacement.add(slot, slot.variants.weight());
                }
            }
            case REWEIGH -> {
                if (slot.ranked()) {
                    replacement.reweigh(slot, slot.variants.weight());
                }
            }
            case REMOVE -> replacement.remove(slot);
        }
    }

    private void countRequest(Object request) {
        if (request instanceof Slot slot) {
            replacement.requested(slot);
        } else {
            replacement.requested(replacement.hash((String) request));
        }
    }

    /** The policy evicts {@code slot}: out of the map, then parked if pinned, else released. */
    private void evict(Slot slot) {
        Variants[] evicted = new Variants[1];
        slots.computeIfPresent(slot.key, (key, current) -> {
            if (current != slot) {
                return current;
            }
            evicted[0] = slot.variants;
            removed(key);
            return null;
        });
        Variants variants = evicted[0];
        if (variants == null) {
            return; // invalidated meanwhile, and released then
        }
        evictions.increment();
        if (variants.pinnedAt(System.nanoTime()) && park(variants)) {
            Variants previous = parked.put(slot.key, variants);
            if (previous != null) {
                unpark(previous);
            }
        } else {
            variants.release();
        }
    }

    /** Takes room among the parked for {@code variants}, if there is any left. */
    private boolean park(Variants variants) {
        long weight = variants.weight();
        long now;
        do {
            now = parkedBytes.get();
            if (now + weight > maxParkedBytes) {
                pinsBroken.increment();
                return false;
            }
        } while (!parkedBytes.compareAndSet(now, now + weight));
        return true;
    }

    private void unpark(Variants variants) {
        parkedBytes.addAndGet(-variants.weight());
        variants.release();
    }

    private Variants variants(String key) {
        Slot slot = slots.get(key);
        return slot != null ? slot.variants : parked.get(key);
    }

    private CacheEntry retained(Variants first, HttpHeaders requestHeaders) {
        Variants variants = first;
        for (int attempt = 0; attempt < 2 && variants != null; attempt++) {
            CacheEntry entry = variants.variant(VaryKey.of(variants.varyFields(), requestHeaders));
            if (entry == null) {
                return null;
            }
            try {
                entry.body().retain();
                return entry;
            } catch (IllegalReferenceCountException e) {
                // Replaced or dropped, and freed, between the read and the retain: look again.
                variants = variants(variants.key());
            }
        }
        return null;
    }

    private boolean dropParked(String key) {
        Variants variants = parked.remove(key);
        if (variants != null) {
            unpark(variants);
            return true;
        }
        return false;
    }
}
