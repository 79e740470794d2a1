package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.Objects;
import sibyl.node.store.StoredBody;

/**
 * One stored response: a variant of a URL. The entry does not own a reference to its body; the
 * {@link Variants} holding it does, and {@link CacheIndex#lookup} hands out references of their
 * own to those who serve it.
 *
 * @param key the URL's {@link CacheKey}
 * @param variantKey its {@link VaryKey} for the request that fetched it
 * @param status the response status
 * @param headers the stored response headers (hop-by-hop fields already removed); read-only
 * @param freshness how fresh it is, and for how long
 * @param body the body
 */
public record CacheEntry(String key, String variantKey, int status, HttpHeaders headers, Freshness freshness,
        StoredBody body) {

    /** What the index charges for an entry besides its header and body bytes. */
    static final int OVERHEAD = 256;

    public CacheEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(variantKey, "variantKey");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(freshness, "freshness");
        Objects.requireNonNull(body, "body");
    }

    /** Bytes this entry costs: body, headers, bookkeeping. */
    public long weight() {
        long headerBytes = 0;
        for (Map.Entry<String, String> header : headers) {
            headerBytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return body.length() + headerBytes + key.length() + variantKey.length() + OVERHEAD;
    }
}
