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
    /**
     * Not a final status this cache stores (1xx, outside 200..599, 206, 304), or, with
     * {@code must-understand}, one it does not {@linkplain #understood understand}.
     */
    STATUS,
    /** {@code no-store} in the request or the response. */
    NO_STORE,
    /** {@code private}: for one user's cache only. */
    PRIVATE,
    /** A request with Authorization, answered without {@code public}, {@code must-revalidate} or {@code s-maxage} (section 3.5). */
    AUTHORIZATION,
    /** {@code Vary: *}: no later request can be shown to match. */
    VARY_ANY,
    /**
     * A {@code Set-Cookie} that no qualified {@code no-cache} or {@code private} names: one
     * client's cookie is never served to another (a named one is stored without the field).
     */
    SET_COOKIE,
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
        if (response.mustUnderstand() && !understood(status)) {
            return STATUS;
        }
        // must-understand overrides the response's no-store for a status understood (section
        // 5.2.2.3): no-store is its fallback for caches that do not know the directive.
        if (request.noStore() || response.noStore() && !response.mustUnderstand()) {
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
        if (responseHeaders.contains(HttpHeaderNames.SET_COOKIE) && !response.unsharedFields().contains("set-cookie")
                || responseHeaders.contains("Set-Cookie2") && !response.unsharedFields().contains("set-cookie2")) {
            return SET_COOKIE;
        }
        boolean explicit = response.maxAge() != CacheControl.ABSENT || response.sMaxAge() != CacheControl.ABSENT
                || responseHeaders.contains(HttpHeaderNames.EXPIRES);
        if (!explicit && !response.isPublic() && !Heuristics.heuristicallyCacheable(status)) {
            return NO_FRESHNESS;
        }
        return null;
    }

    /**
     * The final statuses whose requirements this cache conforms to, for {@code must-understand}:
     * those RFC 9110 defines, but 206 and 304 (never stored as such).
     */
    static boolean understood(int status) {
        return switch (status) {
            case 200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407,
                    408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505 -> true;
            default -> false;
        };
    }
}
