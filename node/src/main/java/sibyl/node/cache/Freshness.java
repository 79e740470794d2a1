package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Date;

/**
 * How fresh a stored response is: its freshness lifetime and the age it had when stored, worked
 * out once when it arrives (RFC 9111 sections 4.2.1 to 4.2.3), and its age at any later moment.
 * All times are in milliseconds of the cache's clock; ages and lifetimes in whole seconds.
 *
 * @param lifetimeSeconds how long the response is fresh, counted from its origin's Date
 * @param initialAgeSeconds its corrected initial age: how old it was when it arrived
 * @param responseMillis when it arrived ({@code response_time})
 * @param revalidateWhenStale {@code must-revalidate}, {@code proxy-revalidate} or
 *     {@code s-maxage}: a shared cache may never serve it stale (sections 5.2.2.2, 5.2.2.8,
 *     5.2.2.10)
 * @param revalidateAlways response {@code no-cache}: every use needs a successful revalidation
 * @param heuristic whether the lifetime is a heuristic one (no explicit expiration)
 * @param staleWhileRevalidateSeconds the response's {@code stale-while-revalidate}, or
 *     {@link CacheControl#ABSENT} (also when it forbids stale serving)
 * @param staleIfErrorSeconds the response's {@code stale-if-error}, or {@link CacheControl#ABSENT}
 *     (also when it forbids stale serving)
 */
public record Freshness(
        long lifetimeSeconds,
        long initialAgeSeconds,
        long responseMillis,
        boolean revalidateWhenStale,
        boolean revalidateAlways,
        boolean heuristic,
        long staleWhileRevalidateSeconds,
        long staleIfErrorSeconds) {

    /**
     * The freshness of a response with {@code status} and {@code headers}, for a request sent at
     * {@code requestMillis} whose response arrived at {@code responseMillis}, as a shared cache
     * sees it.
     */
    public static Freshness of(int status, HttpHeaders headers, CacheControl control, long requestMillis,
            long responseMillis, Heuristics heuristics) {
        long date = dateOr(headers, HttpHeaderNames.DATE, responseMillis);
        long lifetime;
        boolean heuristic = false;
        if (control.sMaxAge() != CacheControl.ABSENT) {
            lifetime = control.sMaxAge();
        } else if (control.maxAge() != CacheControl.ABSENT) {
            lifetime = control.maxAge();
        } else if (headers.contains(HttpHeaderNames.EXPIRES)) {
            // An invalid Expires, "0" included, means already expired (section 5.3); so do two
            // lines of it, as this singleton field cannot say which one the origin meant.
            long expires = headers.getAll(HttpHeaderNames.EXPIRES).size() == 1
                    ? dateOr(headers, HttpHeaderNames.EXPIRES, Long.MIN_VALUE) : Long.MIN_VALUE;
            lifetime = expires == Long.MIN_VALUE ? 0 : Math.max(0, (expires - date) / 1000);
        } else if (Heuristics.heuristicallyCacheable(status) || control.isPublic()) {
            long modified = dateOr(headers, HttpHeaderNames.LAST_MODIFIED, Long.MIN_VALUE);
            lifetime = modified == Long.MIN_VALUE ? 0 : heuristics.lifetimeSeconds((date - modified) / 1000);
            heuristic = true;
        } else {
            lifetime = 0;
        }
        long apparentAge = Math.max(0, (responseMillis - date) / 1000);
        long responseDelay = Math.max(0, (responseMillis - requestMillis) / 1000);
        long correctedAgeValue = ageHeader(headers) + responseDelay;
        long initialAge = Math.max(apparentAge, correctedAgeValue);
        boolean revalidateWhenStale = control.mustRevalidate() || control.proxyRevalidate()
                || control.sMaxAge() != CacheControl.ABSENT;
        // must-revalidate, proxy-revalidate and no-cache forbid serving stale whatever else is
        // said; s-maxage forbids only what the origin did not allow itself (a CDN's common
        // "s-maxage=60, stale-while-revalidate=30").
        boolean forbidden = control.mustRevalidate() || control.proxyRevalidate() || control.noCache();
        return new Freshness(lifetime, initialAge, responseMillis, revalidateWhenStale, control.noCache(), heuristic,
                forbidden ? CacheControl.ABSENT : control.staleWhileRevalidate(),
                forbidden ? CacheControl.ABSENT : control.staleIfError());
    }

    /** Whether the operator's {@link Grace} may apply: nothing in the response forbids stale serving. */
    public boolean stalePermitted() {
        return !revalidateWhenStale && !revalidateAlways;
    }

    /**
     * Whether, stale at {@code nowMillis}, it may be served while it is revalidated in the
     * background: within its own {@code stale-while-revalidate}, else the operator's grace.
     */
    public boolean servableWhileRevalidating(long nowMillis, Grace grace) {
        long window = staleWhileRevalidateSeconds != CacheControl.ABSENT ? staleWhileRevalidateSeconds
                : stalePermitted() ? grace.whileRevalidating().toSeconds() : 0;
        long staleFor = -freshForSeconds(nowMillis);
        return staleFor >= 0 && staleFor <= window && window > 0;
    }

    /**
     * Whether it may be served instead of an error at {@code nowMillis}: within its own
     * {@code stale-if-error} for any failure; else, when the origin could not be reached at
     * all ({@code disconnected}), within the operator's grace.
     */
    public boolean servableOnError(long nowMillis, Grace grace, boolean disconnected) {
        long window = staleIfErrorSeconds != CacheControl.ABSENT ? staleIfErrorSeconds
                : stalePermitted() && disconnected ? grace.ifDisconnected().toSeconds() : -1;
        return window > 0 && -freshForSeconds(nowMillis) <= window;
    }

    /** The response's age at {@code nowMillis}: what a hit sends as its Age header. */
    public long currentAgeSeconds(long nowMillis) {
        return initialAgeSeconds + Math.max(0, (nowMillis - responseMillis) / 1000);
    }

    /** Seconds the response stays fresh from {@code nowMillis}; 0 or less when stale. */
    public long freshForSeconds(long nowMillis) {
        return lifetimeSeconds - currentAgeSeconds(nowMillis);
    }

    public boolean isFresh(long nowMillis) {
        return freshForSeconds(nowMillis) > 0;
    }

    private static long dateOr(HttpHeaders headers, CharSequence name, long otherwise) {
        String value = headers.get(name);
        if (value == null) {
            return otherwise;
        }
        Date date = HttpDate.parse(value);
        return date == null ? otherwise : date.getTime();
    }

    /**
     * The Age header's delta-seconds (section 5.1): of a list, or of several lines, the first
     * member, the rest discarded, as the RFC asks; absent or invalid counts as 0. Taking a later
     * member, or reading "7200, 0" as invalid, would make a response look fresher than it is.
     */
    private static long ageHeader(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.AGE);
        if (value == null) {
            return 0;
        }
        int comma = value.indexOf(',');
        return CacheControl.deltaSeconds((comma < 0 ? value : value.substring(0, comma)).strip());
    }
}
