package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.cache.CacheControl;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.Freshness;
import sibyl.node.cache.Storability;
import sibyl.node.cache.StoredHeaders;
import sibyl.node.cache.VaryKey;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.StoredBody;

/**
 * Writes one origin response into the cache as its body streams in: opened at the head if RFC
 * 9111 and the settings let it be stored, fed each piece of the body, and finished into an
 * entry of the index at the end; or abandoned, its bytes given back, whenever it cannot be kept.
 */
final class StoreSink {
    private static final Logger log = LoggerFactory.getLogger(StoreSink.class);

    private final ProxyCache cache;
    private final String key;
    private final int status;
    private final HttpHeaders stored;
    private final Freshness freshness;
    private final List<String> varyFields;
    private final String variantKey;
    private BodyWriter writer;

    private StoreSink(ProxyCache cache, String key, int status, HttpHeaders stored, Freshness freshness,
            List<String> varyFields, String variantKey, BodyWriter writer) {
        this.cache = cache;
        this.key = key;
        this.status = status;
        this.stored = stored;
        this.freshness = freshness;
        this.varyFields = varyFields;
        this.variantKey = variantKey;
        this.writer = writer;
    }

    /**
     * What a sink needs of the request a response answers.
     *
     * @param slice the slice asked for, whose 206 is stored as an entry of its own; null for a
     *     whole response
     */
    record Asked(String key, HttpMethod method, HttpHeaders headers, CacheControl control, boolean mayStore,
            Slice slice) {}

    /**
     * A sink for the response with {@code status} and {@code headers} (hop-by-hop fields removed)
     * to {@code asked}, or null if it is not to be stored (the reason is logged).
     *
     * @param policy the fields the cache decides on: {@code headers}, or a copy with a targeted
     *     Cache-Control in place of its own ({@link TargetedControl})
     * @param contentLength the body's announced length, or -1
     */
    static StoreSink open(ProxyCache cache, Asked asked, int status, HttpHeaders headers, HttpHeaders policy,
            long contentLength, long requestMillis, long responseMillis) {
        CacheControl control = CacheControl.parse(policy.getAll(HttpHeaderNames.CACHE_CONTROL));
        Slice slice = asked.slice();
        long total = slice == null ? -1 : slice.totalIn(headers);
        // An origin that ignores Range answers a slice with the whole: stored as the URL's, if it may be.
        boolean whole = slice == null || status == 200;
        String refusal = whole ? refusal(cache, asked, status, policy, control, contentLength)
                : sliceRefusal(cache, asked, status, headers, policy, control, contentLength, total);
        if (refusal != null) {
            log.debug("{}: not stored ({})", asked.key(), refusal);
            return null;
        }
        String key = slice != null && whole ? slice.url() : asked.key();
        HttpHeaders kept = StoredHeaders.of(headers, control);
        if (slice != null && !whole && slice.whole(total)) {
            // The slice is the whole representation: stored as the URL's 200, which answers every
            // later request for it, ranges or not (RFC 9111 section 3.4).
            key = slice.url();
            status = 200;
            kept = kept.copy();
            kept.remove(HttpHeaderNames.CONTENT_RANGE);
        }
        Freshness freshness = Freshness.of(status, policy, control, requestMillis, responseMillis, cache.heuristics());
        List<String> varyFields = VaryKey.fields(headers);
        return new StoreSink(cache, key, status, kept, freshness, varyFields, VaryKey.of(varyFields, asked.headers()),
                cache.store().open(contentLength));
    }

    /**
     * Why a slice's response is not stored, or null: only a 206 that is exactly the slice asked
     * for, with a strong ETag (slices are combined only for the same strong validator, RFC 9111
     * section 3.4), and otherwise storable as a 200 would be.
     */
    private static String sliceRefusal(ProxyCache cache, Asked asked, int status, HttpHeaders headers,
            HttpHeaders policy, CacheControl control, long contentLength, long total) {
        if (status != 206) {
            return "the origin answered the slice's range with " + status + " (not stored as a slice)";
        }
        if (total < 0) {
            return "its Content-Range is not the slice asked for: " + headers.get(HttpHeaderNames.CONTENT_RANGE);
        }
        String etag = headers.get(HttpHeaderNames.ETAG);
        if (etag == null || !etag.strip().startsWith("\"")) {
            return "no strong ETag to combine slices by";
        }
        Slice slice = asked.slice();
        long length = Math.min(slice.first() + slice.size(), total) - slice.first();
        if (contentLength != length) {
            return "a slice of " + length + " bytes announced as " + contentLength;
        }
        return refusal(cache, asked, 200, policy, control, contentLength);
    }

    private static String refusal(ProxyCache cache, Asked asked, int status, HttpHeaders headers, CacheControl control,
            long contentLength) {
        if (!asked.mayStore()) {
            return "not a request whose response is stored";
        }
        Storability reason = Storability.check(asked.method(), asked.headers(), asked.control(), status, headers, control);
        if (reason != null) {
            return reason.name();
        }
        if (contentLength > cache.index().maxObjectBytes()) {
            return "larger than cache.max-object-size";
        }
        return null;
    }

    List<String> varyFields() {
        return varyFields;
    }

    String variantKey() {
        return variantKey;
    }

    /** Keeps a piece of the body (not taking it over); false if the sink gave up, abandoned. */
    boolean write(ByteBuf bytes) {
        if (writer == null) {
            return false;
        }
        if (writer.written() + bytes.readableBytes() > cache.index().maxObjectBytes()) {
            log.debug("{}: not stored (body grew past cache.max-object-size)", key);
            abandon();
            return false;
        }
        if (!writer.write(bytes)) {
            log.debug("{}: not stored (the body store could not keep it)", key);
            writer = null; // it abandoned the body itself
            return false;
        }
        return true;
    }

    /**
     * Stores the entry, whole now; returns it with a reference to its body the caller must
     * release, or null if the store failed at the last moment (it abandoned the body).
     */
    CacheEntry finish() {
        BodyWriter finishing = writer;
        writer = null;
        StoredBody body;
        try {
            body = finishing.finish();
        } catch (RuntimeException e) {
            log.warn("{}: not stored: the body store failed to finish it ({})", key, e.toString());
            return null;
        }
        CacheEntry entry = new CacheEntry(key, variantKey, status, stored, freshness, body);
        cache.index().store(entry, varyFields);
        return entry;
    }

    /** Gives up: the body written so far is let go. */
    void abandon() {
        if (writer != null) {
            writer.abandon();
            writer = null;
        }
    }
}
