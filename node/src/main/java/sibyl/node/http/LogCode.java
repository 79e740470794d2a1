package sibyl.node.http;

/**
 * How a request was answered, as Squid's access.log names it ({@code %Ss}), so Squid's log tools
 * and operators read Sibyl's lines the same way.
 */
public enum LogCode {
    /** Answered from memory: every Sibyl hit is. */
    TCP_MEM_HIT(true),
    /** A conditional request answered 304 from the cache (If-Modified-Since). */
    TCP_IMS_HIT(true),
    /** A conditional request answered 304 from the cache (If-None-Match). */
    TCP_INM_HIT(true),
    /** Fetched from the origin; also a PURGE, as Squid logs it. */
    TCP_MISS(false),
    /** A stale entry revalidated: the origin said 304, the stored body was served. */
    TCP_REFRESH_UNMODIFIED(true),
    /** A stale entry revalidated: the origin sent a new response. */
    TCP_REFRESH_MODIFIED(false),
    /** The origin could not be asked (unreachable, timed out) for a stale entry's revalidation. */
    TCP_REFRESH_FAIL_ERR(false),
    /** A stale entry's revalidation failed, and the entry was served in its stale-if-error window. */
    TCP_REFRESH_FAIL_OLD(true),
    /** A stale entry served in its stale-while-revalidate window while it is revalidated in the background (Sibyl's name). */
    TCP_STALE_HIT(true),
    /** Refused: access list, drop rule, loop. */
    TCP_DENIED(false),
    /** Answered without the cache: malformed requests and the node's own pages. */
    NONE_NONE(false);

    private final boolean hit;

    LogCode(boolean hit) {
        this.hit = hit;
    }

    /** Whether the body came from the cache. */
    public boolean hit() {
        return hit;
    }
}
