package sibyl.node.cache;

/**
 * Whether a stored response may answer a request (RFC 9111 section 4), given how fresh it is and
 * what the request's Cache-Control asks.
 */
public enum Reuse {
    /** Serve it as it is. */
    SERVE,
    /** Serve it as it is, stale, and revalidate it in the background (RFC 5861). */
    SERVE_STALE_AND_REVALIDATE,
    /** Ask the origin first (a conditional request), or refetch. */
    REVALIDATE;

    /**
     * The decision for a response of {@code freshness} at {@code nowMillis}, for a request with
     * {@code request} directives ({@code Pragma: no-cache} without Cache-Control counts as
     * {@code no-cache}, as section 5.4 allows).
     */
    public static Reuse decide(Freshness freshness, CacheControl request, long nowMillis) {
        return decide(freshness, request, nowMillis, Grace.NONE);
    }

    /** As {@link #decide(Freshness, CacheControl, long)}, with the operator's {@code grace}. */
    public static Reuse decide(Freshness freshness, CacheControl request, long nowMillis, Grace grace) {
        // A request's no-cache takes no field names; one given some is still no-cache.
        if (freshness.revalidateAlways() || request.noCache() || !request.noCacheFields().isEmpty()) {
            return REVALIDATE;
        }
        long age = freshness.currentAgeSeconds(nowMillis);
        long freshFor = freshness.lifetimeSeconds() - age;
        if (request.maxAge() != CacheControl.ABSENT && age > request.maxAge()) {
            return REVALIDATE;
        }
        if (request.minFresh() != CacheControl.ABSENT && freshFor < request.minFresh()) {
            return REVALIDATE;
        }
        if (freshFor > 0) {
            return SERVE;
        }
        if (request.minFresh() == CacheControl.ABSENT && freshness.servableWhileRevalidating(nowMillis, grace)) {
            return SERVE_STALE_AND_REVALIDATE;
        }
        if (freshness.revalidateWhenStale()) {
            return REVALIDATE;
        }
        return request.maxStale() != CacheControl.ABSENT && -freshFor <= request.maxStale() ? SERVE : REVALIDATE;
    }
}
