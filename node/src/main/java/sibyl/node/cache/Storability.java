package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

/**
 * Why a shared cache may not store a response (RFC 9111 section 3), or {@code null} from
 * {@link #check} when it may. Each reason is one a log line or counter can name.
 */
public enum Storability {
    /** Only GET responses are stored; HEAD is answered from a stored GET. */
    METHOD,
    /** Not a final status this cache understands (1xx, or outside 200..599). */
    STATUS,
    /** {@code no-store} in the request or the response. */
    NO_STORE,
    /** {@code private}: for one user's cache only. */
    PRIVATE,
    /** A request with Authorization, answered without {@code public}, {@code must-revalidate} or {@code s-maxage} (section 3.5). */
    AUTHORIZATION,
    /** {@code Vary: *}: no later request can be shown to match. */
    VARY_ANY,
    /** No explicit expiration, no validator-free heuristic: a status that is not heuristically cacheable, without {@code public}. */
    NO_FRESHNESS;

    /**
     * Why this response may not be stored, or {@code null} if it may. A 206 or 304 is refused as
     * a status: Sibyl stores whole responses and answers ranges and conditionals from them.
     */
    public static Storability check(HttpMethod method, HttpHeaders requestHeaders, CacheControl request, int status,
            HttpHeaders responseHeaders, CacheControl response) {
        if (!HttpMethod.GET.equals(method)) {
            return METHOD;
        }
        if (status < 200 || status > 599 || status == 206 || status == 304) {
            return STATUS;
        }
        if (request.noStore() || response.noStore()) {
            return NO_STORE;
        }
        if (response.isPrivate()) {
            return PRIVATE;
        }
        if (requestHeaders.contains(HttpHeaderNames.AUTHORIZATION)
                && !(response.isPublic() || response.mustRevalidate() || response.sMaxAge() != CacheControl.ABSENT)) {
            return AUTHORIZATION;
        }
        if (VaryKey.varyAny(responseHeaders)) {
            return VARY_ANY;
        }
        boolean explicit = response.maxAge() != CacheControl.ABSENT || response.sMaxAge() != CacheControl.ABSENT
                || responseHeaders.contains(HttpHeaderNames.EXPIRES);
        if (!explicit && !response.isPublic() && !Heuristics.heuristicallyCacheable(status)) {
            return NO_FRESHNESS;
        }
        return null;
    }
}
