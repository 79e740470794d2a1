package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaders;

/** The header fields of a response as the cache keeps them: what it may send to anyone later. */
public final class StoredHeaders {
    private StoredHeaders() {}

    /**
     * {@code headers} (hop-by-hop fields already removed) without the fields a qualified
     * {@code private} or {@code no-cache} names, nor {@code X-Cache} (how the response came here,
     * not what it is). A copy when anything goes; {@code headers} itself otherwise.
     */
    public static HttpHeaders of(HttpHeaders headers, CacheControl control) {
        if (control.unsharedFields().isEmpty() && !headers.contains("X-Cache")) {
            return headers;
        }
        HttpHeaders kept = headers.copy();
        kept.remove("X-Cache");
        for (String field : control.unsharedFields()) {
            kept.remove(field);
        }
        return kept;
    }
}
