package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.net.InetSocketAddress;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.VaryKey;
import sibyl.node.http.Collapser.Outcome;
import sibyl.node.http.Collapser.Waiter;
import sibyl.node.origin.OriginClient;
import sibyl.node.origin.OriginExchange;
import sibyl.node.origin.OriginFailure;
import sibyl.node.origin.OriginListener;

/**
 * One request to an origin (or to the member that owns the URL) and what becomes of its
 * response, on the leader's event loop (each loop has its own origin connections). The parts:
 * the {@link LeaderStream} to the client it streams to (the leader, if any), the {@link StoreSink} that
 * stores it when RFC 9111 and the settings allow, the {@link Collapser} whose waiters it then
 * serves, and for a revalidation the {@link Revalidation} a 304 makes of the stale entry.
 *
 * <p>When no client needs the body and it will not be stored, the fetch stops reading it at
 * once: a HEAD, a range or a conditional request waits on a whole GET, which may turn out
 * uncacheable or too large to keep; its waiters then ask the origin as they asked.
 */
final class Fetch implements OriginListener {
    private static final Logger log = LoggerFactory.getLogger(Fetch.class);

    private final ProxyCache cache;
    private final StoreSink.Asked asked;
    private final boolean invalidates;
    /** An origin-form request to this node as the origin's accelerator: targeted Cache-Control applies. */
    private final boolean accelerated;
    private final Collapser collapser = new Collapser();
    private String hierarchy;
    /** For a fetch from the URL's owner: the origin, if the owner fails before answering. */
    private Retry ownerFailed;
    /** For a revalidation: the unconditional GET, if the 304 is about another representation. */
    private Retry otherRepresentation;
    private CacheEntry stale;
    private final LeaderStream leader;
    /** Set on the fetch's own loop once the outcome is announced. */
    private boolean finished;
    private OriginExchange exchange;
    private long requestMillis;
    /** When the request went to the origin (not a peer), for sibyl_origin_response_seconds. */
    private long requestNanos;
    private boolean fromOrigin;
    /** The origin asked, as "host:port", for the status page's slowest origins. */
    private String origin;
    private long responseMillis;
    private HttpResponseStatus status;
    private StoreSink sink;
    private HttpHeaders notModified;
    /** The 304's fields the cache decides on (its targeted Cache-Control, if any). */
    private HttpHeaders notModifiedPolicy;
    private boolean spliced;

    /** A second request, made at most once, when the first one's answer cannot be used. */
    private record Retry(OriginClient client, Supplier<FullHttpRequest> request, InetSocketAddress to, String hierarchy) {}

    /**
     * @param request the request whose headers decide storability and the variant
     * @param method the method asked of the origin
     * @param mayStore whether the response may be stored at all (a GET for the whole, unconditional
     *     response, no {@code nocache} rule)
     * @param invalidates an unsafe method: a successful response removes the URL's entries
     * @param stale the entry being revalidated, with a body reference the fetch now owns; or null
     * @param leader the client the response streams to, or null
     */
    Fetch(ProxyCache cache, ProxyRequest request, HttpMethod method, boolean mayStore, boolean invalidates,
            CacheEntry stale, ClientResponse leader) {
        this(cache, request, new StoreSink.Asked(request.key(), method, request.headers(), request.control(), mayStore,
                null), invalidates, stale, leader);
    }

    /**
     * A fetch of {@code slice} of the URL {@code request} asks a range of, for those who join it;
     * nobody leads it. {@code stale}: the slice held, to revalidate (its reference is the fetch's
     * now), or null.
     */
    static Fetch ofSlice(ProxyCache cache, ProxyRequest request, Slice slice, CacheEntry stale) {
        return new Fetch(cache, request, new StoreSink.Asked(slice.key(), HttpMethod.GET, request.headers(),
                request.control(), true, slice), false, stale, null);
    }

    private Fetch(ProxyCache cache, ProxyRequest request, StoreSink.Asked asked, boolean invalidates, CacheEntry stale,
            ClientResponse leader) {
        this.cache = cache;
        this.asked = asked;
        this.invalidates = invalidates;
        this.accelerated = !request.forward();
        this.stale = stale;
        this.leader = new LeaderStream(leader);
        this.hierarchy = "HIER_DIRECT/" + request.origin().getHostString();
    }

    String key() {
        return asked.key();
    }

    /**
     * Sends {@code request} to {@code peer}, the cluster member that owns the URL (peer fill);
     * if it fails before its response begins, {@code originRequest} goes to {@code origin}.
     */
    void beginFromPeer(OriginClient client, FullHttpRequest request, InetSocketAddress peer,
            Supplier<FullHttpRequest> originRequest, InetSocketAddress origin) {
        ownerFailed = new Retry(client, originRequest, origin, hierarchy);
        hierarchy = "DEFAULT_PARENT/" + peer.getHostString();
        cache.stats().peerRequests.increment();
        requestMillis = cache.clock().millis();
        exchange = client.send(peer, request, this);
    }

    /** Sends {@code request} (ownership passes on) to {@code origin} through {@code client}. */
    void begin(OriginClient client, FullHttpRequest request, InetSocketAddress origin) {
        requestMillis = cache.clock().millis();
        requestNanos = System.nanoTime();
        fromOrigin = true;
        this.origin = origin.getHostString() + ":" + origin.getPort();
        cache.stats().originRequests.increment();
        if (stale != null) {
            cache.stats().revalidations.increment();
        }
        exchange = client.send(origin, request, this);
    }

    /**
     * Revalidates the stale entry with {@code conditional}; if the origin's 304 turns out to be
     * about another representation, {@code unconditional} goes to the origin instead.
     */
    void revalidate(OriginClient client, FullHttpRequest conditional, Supplier<FullHttpRequest> unconditional,
            InetSocketAddress origin) {
        otherRepresentation = new Retry(client, unconditional, origin, hierarchy);
        begin(client, conditional, origin);
    }

    /** Waits for this fetch's outcome; false if it is too late to (the outcome is known). */
    boolean join(Waiter waiter) {
        boolean joined = collapser.join(waiter);
        if (joined) {
            cache.stats().collapsed.increment();
        }
        return joined;
    }

    /** The leader's connection closed: stop streaming to it; stop fetching if nobody else needs it. */
    void leaderGone() {
        leader.gone();
        if (finished) {
            return;
        }
        if (sink == null && !collapser.anyWaiting() && notModified == null) {
            stopReading();
        } else {
            leader.resume(exchange); // nobody to wait for any more
        }
    }

    /** The leader's connection can take more again. */
    void leaderWritable() {
        leader.resume(exchange);
    }

    @Override
    public void onHead(HttpResponse head) {
        if (fromOrigin) {
            cache.stats().originResponded(origin, System.nanoTime() - requestNanos);
        }
        responseMillis = cache.clock().millis();
        status = head.status();
        HttpHeaders headers = HopByHop.withoutHopByHop(head.headers());
        // What the cache decides on; the targeted fields themselves are never passed on.
        HttpHeaders policy = accelerated ? cache.targeted().policy(headers) : headers;
        if (accelerated) {
            cache.targeted().strip(headers);
        }
        if (stale != null && status.code() == 304) {
            if (Revalidation.matches(stale.headers(), headers)) {
                notModified = headers;
                notModifiedPolicy = policy;
                return; // the entry is refreshed once the (empty) body has ended
            }
            exchange.abort(); // the 304's empty body is not waited for
            if (otherRepresentation != null) {
                log.debug("{}: the 304 is about another representation than the one stored: asking again, unconditionally",
                        key());
                retryWith(otherRepresentation);
            } else { // a member asked without conditionals answered with one
                onFailure(OriginFailure.BAD_RESPONSE, new IllegalStateException("a 304 about another representation"));
            }
            return;
        }
        if (isError(status) && servedStale(false)) {
            exchange.abort(); // the origin's error is not passed on: its body is not wanted
            return;
        }
        if (!headers.contains(HttpHeaderNames.DATE)) {
            headers.set(HttpHeaderNames.DATE, DateFormatter.format(new Date(responseMillis)));
        }
        long contentLength = HttpMethod.HEAD.equals(asked.method()) ? -1 : HttpUtil.getContentLength(head, -1L);
        if (invalidates && status.code() >= 200 && status.code() < 400) {
            List<String> invalidated = Invalidation.keys(key(), headers);
            invalidated.forEach(cache.index()::invalidate);
            cache.peers().invalidated(invalidated);
        }
        if (status.code() == 200 && HttpMethod.HEAD.equals(asked.method())) {
            Revalidation.refreshFromHead(cache, asked, headers, policy, HttpUtil.getContentLength(head, -1L), requestMillis,
                    responseMillis);
        }
        sink = StoreSink.open(cache, asked, status.code(), headers, policy, contentLength, requestMillis, responseMillis);
        if (sink != null) {
            collapser.releaseOtherVariants(sink.varyFields(), sink.variantKey());
        } else {
            releaseWaiters();
        }
        if (!leader.present()) {
            if (sink == null) {
                stopReading(); // nobody needs the body
            }
            return;
        }
        if (leader.asksHead()) {
            contentLength = HttpUtil.getContentLength(head, -1L);
        }
        leader.head(status, headers, contentLength, stale != null ? LogCode.TCP_REFRESH_MODIFIED : LogCode.TCP_MISS,
                hierarchy);
        if (sink == null && !HttpMethod.HEAD.equals(asked.method())
                && leader.splice(exchange, contentLength, cache.spliceMinBytes())) {
            log.debug("{}: not stored, the rest of the body is spliced from the origin to the client", key());
        }
    }

    @Override
    public void onInterim(HttpResponse interim) {
        leader.interim(interim);
    }

    @Override
    public void onSpliced(long bytes) {
        if (!spliced) {
            spliced = true;
            cache.stats().splicedResponses.increment();
        }
        cache.stats().splicedBytes.add(bytes);
        leader.spliced(bytes);
    }

    @Override
    public void onContent(HttpContent content, boolean last) {
        try {
            if (notModified != null) {
                if (last) {
                    refreshStale();
                }
                return;
            }
            ByteBuf bytes = content.content();
            if (sink != null && bytes.isReadable() && !sink.write(bytes)) {
                sink = null;
                releaseWaiters();
                if (!leader.present()) {
                    stopReading();
                    return;
                }
            }
            Outcome outcome = Outcome.UNSTORED;
            if (last && sink != null) {
                // Stored before the client sees the end, so its next request finds the entry.
                CacheEntry entry = sink.finish();
                sink = null;
                if (entry != null) {
                    outcome = Outcome.stored(entry); // holds this fetch's reference until it is announced
                }
            }
            // Closed to joiners before the client sees the end: a request it sends next must not
            // join a fetch that has already delivered (it would be answered by an older response).
            List<Waiter> woken = last ? close() : List.of();
            leader.content(bytes, last, exchange);
            if (last) {
                try {
                    leader.end();
                } finally {
                    finish(woken, outcome);
                    if (outcome.entry() != null) {
                        outcome.entry().body().release();
                    }
                }
            }
        } finally {
            content.release();
        }
    }

    private void refreshStale() {
        Revalidation.Refreshed refreshed = Revalidation.refresh(stale, notModified, notModifiedPolicy, requestMillis,
                responseMillis, cache.heuristics());
        cache.index().store(refreshed.stored(), VaryKey.fields(refreshed.stored().headers()));
        List<Waiter> woken = close();
        leader.serve(refreshed.served(), LogCode.TCP_REFRESH_UNMODIFIED, hierarchy);
        finish(woken, Outcome.stored(refreshed.stored()));
    }

    @Override
    public void onFailure(OriginFailure failure, Throwable cause) {
        if (ownerFailed != null && status == null) {
            cache.stats().peerErrors.increment();
            log.debug("{}: the owner could not be asked ({}); asking the origin", key(), failure.describe(cause));
            retryWith(ownerFailed);
            return;
        }
        cache.stats().originErrors.increment();
        abandon();
        if (status == null && servedStale(failure != OriginFailure.BAD_RESPONSE)) {
            return;
        }
        String detail = failure.describe(cause);
        log.debug("{}: {}", key(), detail);
        // Closed to joiners before the client hears: a request it sends next (on another loop,
        // perhaps) must be a new miss, not a waiter told of this failure.
        List<Waiter> woken = close();
        // A stored response that may not be served stale, and an origin that cannot be reached:
        // 504, as RFC 9111 section 5.2.2.2 asks of a disconnected cache.
        HttpResponseStatus answer = stale != null && failure == OriginFailure.UNREACHABLE
                ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.valueOf(failure.status());
        leader.failed(answer, detail, stale != null ? LogCode.TCP_REFRESH_FAIL_ERR : LogCode.TCP_MISS, hierarchy);
        finish(woken, failure == OriginFailure.CUT_SHORT ? Outcome.UNSTORED : Outcome.failed(answer, detail));
    }

    /**
     * Asks again as {@code next} says, as a plain miss: the stale entry (whose 304 did not match,
     * if any) is no longer this fetch's to refresh.
     */
    private void retryWith(Retry next) {
        ownerFailed = null;
        otherRepresentation = null;
        status = null;
        if (stale != null) {
            stale.body().release();
            stale = null;
        }
        hierarchy = next.hierarchy();
        begin(next.client(), next.request().get(), next.to());
    }

    /** RFC 5861's errors: the statuses a stale-if-error response may stand in for. */
    private static boolean isError(HttpResponseStatus status) {
        int code = status.code();
        return code == 500 || code == 502 || code == 503 || code == 504;
    }

    /**
     * Serves the stale entry being revalidated, instead of the origin's failure, to the leader
     * and every waiter, when its stale-if-error (or the operator's grace, if the origin could
     * not be reached at all: {@code disconnected}) allows; false, and nothing done, otherwise.
     * A client that asked for no-cache is not given it.
     */
    private boolean servedStale(boolean disconnected) {
        if (stale == null || asked.control().noCache()
                || !stale.freshness().servableOnError(cache.clock().millis(), cache.grace(), disconnected)) {
            return false;
        }
        log.debug("{}: the origin failed; the stale entry is served in its stale-if-error window", key());
        cache.stats().staleOnError.increment();
        List<Waiter> woken = close();
        leader.serve(stale, LogCode.TCP_REFRESH_FAIL_OLD, hierarchy);
        finish(woken, Outcome.stored(stale));
        return true;
    }

    private void abandon() {
        if (sink != null) {
            sink.abandon();
            sink = null;
        }
    }

    /** Nobody needs the rest of the body, and it will not be stored: the exchange ends here. */
    private void stopReading() {
        if (exchange != null) {
            exchange.abort();
        }
        abandon();
        finish(close(), Outcome.UNSTORED);
    }

    /** Nothing will be stored: nobody else may wait, and those who did go their own way. */
    private void releaseWaiters() {
        Collapser.announce(close(), Outcome.UNSTORED);
    }

    /** No one may join any more; returns those who did. */
    private List<Waiter> close() {
        List<Waiter> joined = collapser.close();
        cache.fetches().remove(this);
        return joined;
    }

    /** Announces the outcome to {@code woken} and lets go of the stale entry. */
    private void finish(List<Waiter> woken, Outcome outcome) {
        finished = true;
        Collapser.announce(woken, outcome);
        if (stale != null) {
            stale.body().release();
            stale = null;
        }
    }
}
