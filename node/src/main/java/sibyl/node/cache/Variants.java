package sibyl.node.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * The stored variants of one URL and the header fields they vary on: the value the index maps a
 * URL to. Immutable but for its pin; storing a variant makes a new {@code Variants}. Each holds
 * one reference to each of its entries' bodies, released when the index drops it.
 */
final class Variants {
    private final String key;
    private final List<String> varyFields;
    private final List<CacheEntry> entries;
    private final long weight;
    /** Until when (System.nanoTime()) an ICP HIT promised it to the HTTP request that follows. */
    private volatile long pinnedUntilNanos;

    private Variants(String key, List<String> varyFields, List<CacheEntry> entries, long pinnedUntilNanos) {
        this.key = key;
        this.varyFields = List.copyOf(varyFields);
        this.entries = List.copyOf(entries);
        this.pinnedUntilNanos = pinnedUntilNanos;
        long total = 0;
        for (CacheEntry entry : this.entries) {
            entry.body().retain();
            total += entry.weight();
        }
        this.weight = total;
    }

    /** A first variant of {@code entry.key()}, varying on {@code varyFields}. */
    static Variants of(CacheEntry entry, List<String> varyFields) {
        return new Variants(entry.key(), varyFields, List.of(entry), System.nanoTime()); // not pinned
    }

    /**
     * These variants with {@code entry} added, replacing one with its variant key. A response
     * varying on other fields than the stored ones starts the URL afresh (RFC 9111 section 4.1:
     * the newest response's Vary decides).
     */
    Variants with(CacheEntry entry, List<String> entryVaryFields) {
        if (!entryVaryFields.equals(varyFields)) {
            return new Variants(key, entryVaryFields, List.of(entry), pinnedUntilNanos);
        }
        List<CacheEntry> next = new ArrayList<>(entries.size() + 1);
        for (CacheEntry existing : entries) {
            if (!existing.variantKey().equals(entry.variantKey())) {
                next.add(existing);
            }
        }
        next.add(entry);
        return new Variants(key, varyFields, next, pinnedUntilNanos);
    }

    String key() {
        return key;
    }

    List<String> varyFields() {
        return varyFields;
    }

    List<CacheEntry> entries() {
        return entries;
    }

    /** The variant for {@code variantKey}, or null. */
    CacheEntry variant(String variantKey) {
        for (CacheEntry entry : entries) {
            if (entry.variantKey().equals(variantKey)) {
                return entry;
            }
        }
        return null;
    }

    long weight() {
        return weight;
    }

    void pinUntil(long nanos) {
        if (nanos - pinnedUntilNanos > 0) {
            pinnedUntilNanos = nanos;
        }
    }

    boolean pinnedAt(long nanos) {
        return pinnedUntilNanos - nanos > 0;
    }

    /** Drops this value's references to its bodies. */
    void release() {
        for (CacheEntry entry : entries) {
            entry.body().release();
        }
    }
}
