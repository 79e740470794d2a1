package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import sibyl.node.cache.CacheControl;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.Freshness;
import sibyl.node.cache.Heuristics;
import sibyl.node.cache.Storability;
import sibyl.node.cache.StoredHeaders;
import sibyl.node.cache.VaryKey;

/**
 * A 304 applied to the stale entry whose validators were sent (RFC 9111 section 4.3.4), and a
 * HEAD's 200 to the stored GET it describes (section 4.3.5).
 */
final class Revalidation {
    private Revalidation() {}

    /**
     * The refreshed entry: {@code stored} for the index (without the fields the cache must not
     * keep), {@code served} for the client that revalidated (every field of the 304). Both share
     * the stale entry's body; neither holds a reference of its own.
     */
    record Refreshed(CacheEntry stored, CacheEntry served) {}

    /**
     * Whether a 304 with {@code notModified} fields is about {@code stale} (section 4.3.4): its
     * strong ETag is the stored one's; else its weak ETag or Last-Modified match the stored ones.
     * A 304 with no validator at all answers the validators this cache sent, which were the
     * entry's: it is taken as being about it (many origins send a bare 304). A 304 naming
     * another representation must not touch the entry.
     */
    static boolean matches(HttpHeaders stale, HttpHeaders notModified) {
        String etag = notModified.get(HttpHeaderNames.ETAG);
        String lastModified = notModified.get(HttpHeaderNames.LAST_MODIFIED);
        if (etag != null) {
            String storedEtag = stale.get(HttpHeaderNames.ETAG);
            if (storedEtag == null) {
                return false;
            }
            boolean weak = etag.startsWith("W/") || storedEtag.startsWith("W/");
            return weak ? opaque(etag).equals(opaque(storedEtag)) : etag.equals(storedEtag);
        }
        if (lastModified != null) {
            return lastModified.equals(stale.get(HttpHeaderNames.LAST_MODIFIED));
        }
        return true;
    }

    /**
     * Whether a 200 to a HEAD describes the stored response (section 4.3.5): it names a
     * validator, every validator it names matches, and the length it announced
     * ({@code contentLength}, -1 if none) is the stored body's. Stricter than for a 304: a HEAD's
     * answer with no validator could describe anything.
     */
    static boolean describes(CacheEntry entry, HttpHeaders head, long contentLength) {
        HttpHeaders stored = entry.headers();
        if (!head.contains(HttpHeaderNames.ETAG) && !head.contains(HttpHeaderNames.LAST_MODIFIED)) {
            return false;
        }
        if (head.contains(HttpHeaderNames.ETAG) && !head.get(HttpHeaderNames.ETAG).equals(stored.get(HttpHeaderNames.ETAG))) {
            return false;
        }
        if (head.contains(HttpHeaderNames.LAST_MODIFIED)
                && !head.get(HttpHeaderNames.LAST_MODIFIED).equals(stored.get(HttpHeaderNames.LAST_MODIFIED))) {
            return false;
        }
        return contentLength < 0 || contentLength == entry.body().length();
    }

    /**
     * The stored fields with {@code update}'s replacing theirs (section 3.2). Neither holds
     * Content-Length, a framing field the node never stores: a 304's cannot replace the body's.
     */
    private static HttpHeaders merge(HttpHeaders stored, HttpHeaders update) {
        HttpHeaders merged = stored.copy();
        for (String name : update.names()) {
            merged.set(name, update.getAll(name));
        }
        return merged;
    }

    /**
     * A 200 to a HEAD this node passed on refreshes the stored GET response it describes, as a
     * 304 would (section 4.3.5), if it could have been stored itself.
     *
     * @param asked the HEAD
     * @param announcedLength the Content-Length the HEAD's 200 announced, or -1
     */
    static void refreshFromHead(ProxyCache cache, StoreSink.Asked asked, HttpHeaders head, HttpHeaders policy,
            long announcedLength, long requestMillis, long responseMillis) {
        CacheControl control = CacheControl.parse(policy.getAll(HttpHeaderNames.CACHE_CONTROL));
        if (Storability.check(HttpMethod.GET, asked.headers(), asked.control(), 200, policy, control) != null) {
            return;
        }
        CacheEntry stored = cache.index().lookup(asked.key(), asked.headers());
        if (stored == null) {
            return;
        }
        try {
            if (stored.status() == 200 && describes(stored, head, announcedLength)) {
                Refreshed refreshed = refresh(stored, head, policy, requestMillis, responseMillis, cache.heuristics());
                cache.index().store(refreshed.stored(), VaryKey.fields(refreshed.stored().headers()));
            }
        } finally {
            stored.body().release();
        }
    }

    private static String opaque(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }

    /**
     * The 304's fields replace the stored ones; the body stays; the freshness starts again,
     * from {@code policy}: the 304's fields as the cache decides on them (a targeted
     * Cache-Control in place of its own), or {@code notModified} itself.
     */
    static Refreshed refresh(CacheEntry stale, HttpHeaders notModified, HttpHeaders policy, long requestMillis,
            long responseMillis, Heuristics heuristics) {
        HttpHeaders merged = merge(stale.headers(), notModified);
        HttpHeaders mergedPolicy = policy == notModified ? merged : merge(stale.headers(), policy);
        if (policy != notModified) {
            mergedPolicy.remove(HttpHeaderNames.EXPIRES); // a targeted field rules alone
            mergedPolicy.set(HttpHeaderNames.CACHE_CONTROL, policy.getAll(HttpHeaderNames.CACHE_CONTROL));
        }
        CacheControl control = CacheControl.parse(mergedPolicy.getAll(HttpHeaderNames.CACHE_CONTROL));
        Freshness refreshed = Freshness.of(stale.status(), mergedPolicy, control, requestMillis, responseMillis,
                heuristics);
        return new Refreshed(
                new CacheEntry(stale.key(), stale.variantKey(), stale.status(), StoredHeaders.of(merged, control), refreshed,
                        stale.body()),
                new CacheEntry(stale.key(), stale.variantKey(), stale.status(), merged, refreshed, stale.body()));
    }
}
