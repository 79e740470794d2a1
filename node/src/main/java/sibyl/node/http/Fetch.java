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
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.cache.CacheControl;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.Freshness;
import sibyl.node.cache.Storability;
import sibyl.node.cache.StoredHeaders;
import sibyl.node.cache.VaryKey;
import sibyl.node.origin.OriginClient;
import sibyl.node.origin.OriginExchange;
import sibyl.node.origin.OriginFailure;
import sibyl.node.origin.OriginListener;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.StoredBody;

/**
 * One request to an origin and what becomes of its response: streamed to the client that asked
 * (the leader, if any), stored when RFC 9111 and the settings allow, and announced to the
 * requests that waited for it ({@link Waiter}s), which then serve the entry stored or, if nothing
 * was stored, go to the origin themselves.
 *
 * <p>A revalidation carries the stale entry: a 304 refreshes its headers and freshness and keeps
 * its body. The origin listener runs on the leader's event loop (each loop has its own origin
 * connections); waiters may join from any loop.
 */
final class Fetch implements OriginListener {
    private static final Logger log = LoggerFactory.getLogger(Fetch.class);

    /** A request waiting for a fetch's outcome; woken on any thread, it moves to its own. */
    interface Waiter {
        HttpHeaders requestHeaders();

        void wake(Outcome outcome);
    }

    /** How a fetch ended, for its waiters. */
    record Outcome(Kind kind, HttpResponseStatus status, String detail, CacheEntry entry) {
        static final Outcome UNSTORED = new Outcome(Kind.UNSTORED, null, null, null);

        static Outcome stored(CacheEntry entry) {
            return new Outcome(Kind.STORED, null, null, entry);
        }

        static Outcome failed(HttpResponseStatus status, String detail) {
            return new Outcome(Kind.FAILED, status, detail, null);
        }
    }

    enum Kind {
        /**
         * The response was stored: serve {@link Outcome#entry()}, whose body the waiter holds a
         * reference to and must release, even if the index evicted it already (the replacement
         * policy may not admit it).
         */
        STORED,
        /** Nothing was stored for you: ask the origin yourself. */
        UNSTORED,
        /** The origin could not be asked: answer with {@link Outcome#status()}. */
        FAILED
    }

    private final ProxyCache cache;
    private final String key;
    private final HttpMethod method;
    private final HttpHeaders requestHeaders;
    private final CacheControl requestControl;
    private final boolean mayStore;
    private final boolean invalidates;
    private String hierarchy;
    /** For a fetch from the URL's owner: where to go instead if the owner fails before answering. */
    private Fallback fallback;
    private CacheEntry stale;
    private ClientResponse leader;
    private final List<Waiter> waiters = new ArrayList<>(0);
    private boolean closed;
    /** Set on the fetch's own loop once the outcome is announced. */
    private boolean finished;
    private OriginExchange exchange;
    private boolean paused;
    private long requestMillis;
    private long responseMillis;
    private HttpResponseStatus status;
    private HttpHeaders headers;
    private Freshness freshness;
    private List<String> varyFields;
    private String variantKey;
    private BodyWriter writer;
    private boolean notModified;
    private boolean spliced;

    /**
     * @param request the request whose headers decide storability and the variant
     * @param mayStore whether the response may be stored at all (a GET for the whole, unconditional
     *     response, no {@code nocache} rule)
     * @param invalidates an unsafe method: a successful response removes the URL's entries
     * @param stale the entry being revalidated, with a body reference the fetch now owns; or null
     * @param leader the client the response streams to, or null
     */
    Fetch(ProxyCache cache, ProxyRequest request, HttpMethod method, boolean mayStore, boolean invalidates,
            CacheEntry stale, ClientResponse leader) {
        this.cache = cache;
        this.key = request.key();
        this.method = method;
        this.requestHeaders = request.headers();
        this.requestControl = request.control();
        this.mayStore = mayStore;
        this.invalidates = invalidates;
        this.stale = stale;
        this.leader = leader;
        this.hierarchy = "HIER_DIRECT/" + request.origin().getHostString();
    }

    String key() {
        return key;
    }

    /** The origin, asked when the member that owns the URL could not be. */
    private record Fallback(OriginClient client, Supplier<FullHttpRequest> request, InetSocketAddress origin,
            String hierarchy) {}

    /**
     * Sends {@code request} to {@code peer}, the cluster member that owns the URL (peer fill);
     * if it fails before its response begins, {@code originRequest} goes to {@code origin}.
     */
    void beginFromPeer(OriginClient client, FullHttpRequest request, InetSocketAddress peer,
            Supplier<FullHttpRequest> originRequest, InetSocketAddress origin) {
        fallback = new Fallback(client, originRequest, origin, hierarchy);
        hierarchy = "DEFAULT_PARENT/" + peer.getHostString();
        cache.stats().peerRequests.increment();
        requestMillis = cache.clock().millis();
        exchange = client.send(peer, request, this);
    }

    /** Sends {@code request} (ownership passes on) to {@code origin} through {@code client}. */
    void begin(OriginClient client, FullHttpRequest request, InetSocketAddress origin) {
        requestMillis = cache.clock().millis();
        cache.stats().originRequests.increment();
        if (stale != null) {
            cache.stats().revalidations.increment();
        }
        exchange = client.send(origin, request, this);
    }

    /** Waits for this fetch's outcome; false if it is too late to (the outcome is known). */
    synchronized boolean join(Waiter waiter) {
        if (closed) {
            return false;
        }
        waiters.add(waiter);
        return true;
    }

    /** The leader's connection closed: stop streaming to it; stop fetching if nobody else needs it. */
    void leaderGone() {
        leader = null;
        if (finished) {
            return;
        }
        boolean needed;
        synchronized (this) {
            needed = !waiters.isEmpty();
        }
        if (writer == null && !needed && !notModified) {
            if (exchange != null) {
                exchange.abort();
            }
            abandon();
            complete(Outcome.UNSTORED);
        } else {
            leaderWritable(); // nobody to wait for any more
        }
    }

    /** The leader's connection can take more again. */
    void leaderWritable() {
        if (paused && exchange != null) {
            paused = false;
            exchange.resume();
        }
    }

    @Override
    public void onHead(HttpResponse head) {
        responseMillis = cache.clock().millis();
        status = head.status();
        if (stale != null && status.code() == 304) {
            notModified = true;
            headers = HopByHop.withoutHopByHop(head.headers());
            return; // the entry is refreshed once the (empty) body has ended
        }
        headers = HopByHop.withoutHopByHop(head.headers());
        if (!headers.contains(HttpHeaderNames.DATE)) {
            headers.set(HttpHeaderNames.DATE, DateFormatter.format(new Date(responseMillis)));
        }
        long contentLength = HttpMethod.HEAD.equals(method) ? -1 : HttpUtil.getContentLength(head, -1L);
        if (invalidates && status.code() >= 200 && status.code() < 400) {
            cache.index().invalidate(key); // RFC 9111 section 4.4
        }
        String refusal = refusal(contentLength);
        if (refusal == null) {
            freshness = Freshness.of(status.code(), headers, CacheControl.parse(headers.getAll(HttpHeaderNames.CACHE_CONTROL)),
                    requestMillis, responseMillis, cache.heuristics());
            varyFields = VaryKey.fields(headers);
            variantKey = VaryKey.of(varyFields, requestHeaders);
            writer = cache.store().open(contentLength);
            releaseOtherVariants();
        } else {
            log.debug("{}: not stored ({})", key, refusal);
            releaseWaiters();
        }
        if (leader != null) {
            if (HttpMethod.HEAD.equals(leader.request().method())) {
                contentLength = HttpUtil.getContentLength(head, -1L);
            }
            leader.head(status, headers, contentLength, stale != null ? LogCode.TCP_REFRESH_MODIFIED : LogCode.TCP_MISS,
                    hierarchy);
            if (writer == null && cache.spliceMinBytes() >= 0 && contentLength >= cache.spliceMinBytes()
                    && !HttpMethod.HEAD.equals(leader.request().method()) && !HttpMethod.HEAD.equals(method)
                    && exchange.spliceBodyTo(leader.channel())) {
                log.debug("{}: not stored, the rest of the body is spliced from the origin to the client", key);
            }
        }
    }

    @Override
    public void onSpliced(long bytes) {
        if (!spliced) {
            spliced = true;
            cache.stats().splicedResponses.increment();
        }
        cache.stats().splicedBytes.add(bytes);
        if (leader != null) {
            leader.spliced(bytes);
        }
    }

    /** Why the response will not be stored, or null. */
    private String refusal(long contentLength) {
        if (!mayStore) {
            return "not a request whose response is stored";
        }
        CacheControl control = CacheControl.parse(headers.getAll(HttpHeaderNames.CACHE_CONTROL));
        Storability reason = Storability.check(method, requestHeaders, requestControl, status.code(), headers, control);
        if (reason != null) {
            return reason.name();
        }
        if (contentLength > cache.index().maxObjectBytes()) {
            return "larger than cache.max-object-size";
        }
        return null;
    }

    @Override
    public void onContent(HttpContent content, boolean last) {
        try {
            if (notModified) {
                if (last) {
                    refreshStale();
                }
                return;
            }
            ByteBuf bytes = content.content();
            if (writer != null && bytes.isReadable()) {
                if (writer.written() + bytes.readableBytes() > cache.index().maxObjectBytes()) {
                    log.debug("{}: not stored (body grew past cache.max-object-size)", key);
                    abandon();
                    releaseWaiters();
                } else if (!writer.write(bytes)) {
                    log.debug("{}: not stored (the body store could not keep it)", key);
                    writer = null; // it abandoned the body itself
                    releaseWaiters();
                }
            }
            Outcome outcome = Outcome.UNSTORED;
            if (last && writer != null) {
                // Stored before the client sees the end, so its next request finds the entry.
                StoredBody body = finishBody();
                if (body != null) {
                    HttpHeaders stored = StoredHeaders.of(headers, CacheControl.parse(headers.getAll(HttpHeaderNames.CACHE_CONTROL)));
                    CacheEntry entry = new CacheEntry(key, variantKey, status.code(), stored, freshness, body);
                    cache.index().store(entry, varyFields);
                    outcome = Outcome.stored(entry); // holds this fetch's reference until finish()
                }
            }
            // Closed to joiners before the client sees the end: a request it sends next must not
            // join a fetch that has already delivered (it would be answered by an older response).
            List<Waiter> woken = last ? close() : List.of();
            if (leader != null && bytes.isReadable() && !leader.content(bytes.retain()) && !last) {
                paused = true;
                exchange.pause();
            }
            if (last) {
                try {
                    if (leader != null) {
                        leader.end();
                    }
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

    /** The body written, or null if the store failed at the last moment (it abandoned the body). */
    private StoredBody finishBody() {
        BodyWriter finishing = writer;
        writer = null;
        try {
            return finishing.finish();
        } catch (RuntimeException e) {
            log.warn("{}: not stored: the body store failed to finish it ({})", key, e.toString());
            return null;
        }
    }

    /** RFC 9111 section 4.3.4: the 304's fields replace the stored ones; the body stays. */
    private void refreshStale() {
        HttpHeaders merged = stale.headers().copy();
        for (String name : headers.names()) {
            merged.set(name, headers.getAll(name));
        }
        CacheControl control = CacheControl.parse(merged.getAll(HttpHeaderNames.CACHE_CONTROL));
        Freshness refreshed = Freshness.of(stale.status(), merged, control, requestMillis, responseMillis,
                cache.heuristics());
        CacheEntry entry = new CacheEntry(key, stale.variantKey(), stale.status(), StoredHeaders.of(merged, control),
                refreshed, stale.body());
        cache.index().store(entry, VaryKey.fields(merged));
        List<Waiter> woken = close();
        if (leader != null) {
            // The client that revalidated gets every field of the 304, those not stored included.
            stale.body().retain();
            leader.request().transaction().hierarchy = hierarchy;
            leader.serve(new CacheEntry(key, stale.variantKey(), stale.status(), merged, refreshed, stale.body()),
                    LogCode.TCP_REFRESH_UNMODIFIED);
        }
        finish(woken, Outcome.stored(entry));
    }

    @Override
    public void onFailure(OriginFailure failure, Throwable cause) {
        if (fallback != null && status == null) {
            Fallback origin = fallback;
            fallback = null;
            hierarchy = origin.hierarchy();
            cache.stats().peerErrors.increment();
            log.debug("{}: the owner could not be asked ({}); asking the origin", key, describe(failure, cause));
            begin(origin.client(), origin.request().get(), origin.origin());
            return;
        }
        cache.stats().originErrors.increment();
        abandon();
        String detail = describe(failure, cause);
        log.debug("{}: {}", key, detail);
        // Closed to joiners before the client hears: a request it sends next (on another loop,
        // perhaps) must be a new miss, not a waiter told of this failure.
        List<Waiter> woken = close();
        if (leader != null) {
            if (leader.headSent()) {
                leader.cutShort();
            } else {
                leader.error(HttpResponseStatus.valueOf(failure.status()), detail,
                        stale != null ? LogCode.TCP_REFRESH_FAIL_ERR : LogCode.TCP_MISS);
                leader.request().transaction().hierarchy = hierarchy;
            }
        }
        finish(woken, failure == OriginFailure.CUT_SHORT ? Outcome.UNSTORED
                : Outcome.failed(HttpResponseStatus.valueOf(failure.status()), detail));
    }

    private String describe(OriginFailure failure, Throwable cause) {
        String what = switch (failure) {
            case UNREACHABLE -> "the origin could not be reached";
            case TIMEOUT -> "the origin did not answer in time (origin.read-timeout)";
            case BUSY -> "every connection to the origin stayed busy (origin.max-connections, origin.acquire-timeout)";
            case BAD_RESPONSE -> "the origin's response was not valid HTTP";
            case CUT_SHORT -> "the origin's response was cut short";
        };
        return what + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private void abandon() {
        if (writer != null) {
            writer.abandon();
            writer = null;
        }
    }

    /** Waiters whose request selects another variant than this response's go their own way. */
    private void releaseOtherVariants() {
        if (varyFields.isEmpty()) {
            return;
        }
        List<Waiter> others = new ArrayList<>();
        synchronized (this) {
            waiters.removeIf(waiter -> {
                boolean other = !VaryKey.of(varyFields, waiter.requestHeaders()).equals(variantKey);
                if (other) {
                    others.add(waiter);
                }
                return other;
            });
        }
        others.forEach(waiter -> waiter.wake(Outcome.UNSTORED));
    }

    /** Nothing will be stored: nobody else may wait, and those who did go their own way. */
    private void releaseWaiters() {
        close().forEach(waiter -> waiter.wake(Outcome.UNSTORED));
    }

    private void complete(Outcome outcome) {
        finish(close(), outcome);
    }

    /** No one may join any more; returns those who did. */
    private List<Waiter> close() {
        List<Waiter> joined;
        synchronized (this) {
            closed = true;
            joined = List.copyOf(waiters);
            waiters.clear();
        }
        cache.fetches().remove(this);
        return joined;
    }

    /**
     * Announces the outcome to {@code woken}, each with a reference of its own to the entry
     * stored (a waiter whose request selects another variant goes its own way), and lets go of
     * the stale entry.
     */
    private void finish(List<Waiter> woken, Outcome outcome) {
        finished = true;
        CacheEntry entry = outcome.entry();
        List<String> fields = entry == null ? List.of() : VaryKey.fields(entry.headers());
        for (Waiter waiter : woken) {
            if (entry == null) {
                waiter.wake(outcome);
            } else if (VaryKey.of(fields, waiter.requestHeaders()).equals(entry.variantKey())) {
                entry.body().retain();
                waiter.wake(outcome);
            } else {
                waiter.wake(Outcome.UNSTORED);
            }
        }
        if (stale != null) {
            stale.body().release();
            stale = null;
        }
    }
}
