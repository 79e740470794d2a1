package sibyl.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.Reuse;
import sibyl.node.origin.OriginClient;

/**
 * Answers an admitted request from the cache or through the origin (RFC 9111 section 4):
 * <ul>
 *   <li>a stored response that may be reused is served (conditionals and ranges answered from
 *       it); a stale one is revalidated with its validators;
 *   <li>a miss joins the fetch in flight for its key, or starts one: an unconditional GET leads
 *       it and streams the response as it arrives; a range is answered from slices
 *       ({@link SlicedRange}); HEAD and conditional requests (and ranges, when slicing is off)
 *       start a fetch of the whole response and are answered from what it stores;
 *   <li>{@code only-if-cached} without a usable entry is 504, as Squid answers its siblings;
 *   <li>requests the cache must not answer (Authorization, no-store, {@code nocache} rules,
 *       other methods) go to the origin; a successful unsafe method invalidates the URL;
 *   <li>PURGE removes every variant of the URL: 200, or 404 when nothing was held.
 * </ul>
 */
final class CacheHandler extends SimpleChannelInboundHandler<ProxyRequest> {
    private static final Logger log = LoggerFactory.getLogger(CacheHandler.class);
    private final ProxyCache cache;
    private final OriginClient origins;
    /** The fetch streaming to this connection's current response, if any. */
    private Fetch leading;

    /** @param origins the origin client of this connection's event loop */
    CacheHandler(ProxyCache cache, OriginClient origins) {
        super(false);
        this.cache = cache;
        this.origins = origins;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ProxyRequest request) {
        leading = null;
        HttpMethod method = request.method();
        if (Admission.PURGE.equals(method)) {
            purge(ctx, request);
        } else if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
            lookUp(ctx, request);
        } else {
            boolean unsafe = !HttpMethod.OPTIONS.equals(method) && !HttpMethod.TRACE.equals(method);
            forward(ctx, request, false, unsafe);
        }
    }

    private void lookUp(ChannelHandlerContext ctx, ProxyRequest request) {
        HttpHeaders headers = request.headers();
        if (headers.contains(HttpHeaderNames.AUTHORIZATION) || request.control().noStore() || !request.storable()
                || headers.contains(HttpHeaderNames.IF_MATCH) || headers.contains(HttpHeaderNames.IF_UNMODIFIED_SINCE)) {
            forward(ctx, request, mayStore(request), false);
            return;
        }
        CacheEntry entry = cache.index().lookup(request.key(), headers);
        Reuse reuse = entry == null ? Reuse.REVALIDATE
                : Reuse.decide(entry.freshness(), request.control(), cache.clock().millis(), cache.grace());
        if (reuse == Reuse.SERVE) {
            respond(ctx, request).serve(entry, LogCode.TCP_MEM_HIT);
            request.request().release();
            return;
        }
        if (reuse == Reuse.SERVE_STALE_AND_REVALIDATE) {
            cache.stats().staleWhileRevalidating.increment();
            revalidateInBackground(request, entry);
            respond(ctx, request).serve(entry, LogCode.TCP_STALE_HIT);
            request.request().release();
            return;
        }
        if (request.control().onlyIfCached()) {
            if (entry != null) {
                entry.body().release();
            }
            respond(ctx, request).error(HttpResponseStatus.GATEWAY_TIMEOUT,
                    "not held fresh by this cache, and the request says only-if-cached", LogCode.TCP_MISS);
            request.request().release();
            return;
        }
        if (entry == null) {
            Fetch inFlight = cache.fetches().get(request.key());
            if (inFlight != null && inFlight.join(waiter(ctx, request))) {
                return;
            }
        }
        boolean leads = HttpMethod.GET.equals(request.method()) && OriginRequests.whole(headers);
        long[] range = entry == null ? SlicedRange.rangeOf(cache, request) : null;
        InetSocketAddress handedBy = entry == null && leads ? cache.peers().member(headers.get(OriginRequests.HANDOFF))
                : null;
        if (handedBy != null) {
            takeHandoff(ctx, request, handedBy);
            return;
        }
        // Another member owns the URL: fetch it from that member, which stores it; this node does not.
        InetSocketAddress owner = entry == null ? cache.peers().ownerOf(request.key(), Via.receivedBy(headers)) : null;
        if (owner != null && !leads) {
            askOwner(ctx, request, owner);
            return;
        }
        if (range != null && owner == null) {
            new SlicedRange(cache, origins, ctx, request, range, () -> forward(ctx, request, false, false)).start();
            return;
        }
        Fetch fetch = new Fetch(cache, request, HttpMethod.GET, owner == null, false, entry,
                leads ? respond(ctx, request) : null);
        // A peer fill is not offered to later requests (nor was one in flight to join, above): they
        // go to the owner too, which fetches the URL once for all of them. Waiting on this node
        // would leave them, as it stores nothing, each to the origin.
        Fetch inFlight = owner == null ? cache.fetches().registerOrGet(fetch) : null;
        if (inFlight != null && inFlight.join(waiter(ctx, request))) {
            if (entry != null) {
                entry.body().release();
            }
            return;
        }
        if (leads) {
            leading = fetch;
        } else {
            fetch.join(waiter(ctx, request));
        }
        if (owner != null) {
            fetch.beginFromPeer(origins, OriginRequests.forPeer(request, cache.via()), owner,
                    () -> OriginRequests.build(request, HttpMethod.GET, true, null, cache.via()), request.origin());
        } else if (entry != null) {
            fetch.revalidate(origins, OriginRequests.build(request, HttpMethod.GET, true, entry, cache.via()),
                    () -> OriginRequests.build(request, HttpMethod.GET, true, null, cache.via()), request.origin());
        } else {
            fetch.begin(origins, OriginRequests.build(request, HttpMethod.GET, true, null, cache.via()), request.origin());
        }
        if (leads) {
            request.request().release();
        }
    }

    /**
     * Starts one revalidation of {@code stale} that no client waits for, unless one is under way
     * already; its 304 refreshes the entry, its new response replaces it. A URL another member
     * owns is left to that member.
     */
    private void revalidateInBackground(ProxyRequest request, CacheEntry stale) {
        if (cache.fetches().get(request.key()) != null || !HttpMethod.GET.equals(request.method())
                || cache.peers().ownerOf(request.key(), Via.receivedBy(request.headers())) != null) {
            return;
        }
        stale.body().retain(); // the fetch's own reference; the client's goes with its response
        boolean mayStore = request.storable() && !request.control().noStore();
        Fetch fetch = new Fetch(cache, request, HttpMethod.GET, mayStore, false, stale, null);
        if (cache.fetches().registerOrGet(fetch) != null) {
            stale.body().release();
            return;
        }
        fetch.revalidate(origins, OriginRequests.build(request, HttpMethod.GET, true, stale, cache.via()),
                () -> OriginRequests.build(request, HttpMethod.GET, true, null, cache.via()), request.origin());
    }

    /**
     * A draining member hands this node a URL it will answer for: fetched from that member's
     * cache (only-if-cached: never its origin) and stored here, as any miss, the response
     * streaming back to the member, which discards it. Later requests join the fetch.
     */
    private void takeHandoff(ChannelHandlerContext ctx, ProxyRequest request, InetSocketAddress member) {
        Fetch fetch = new Fetch(cache, request, HttpMethod.GET, true, false, null, respond(ctx, request));
        Fetch inFlight = cache.fetches().registerOrGet(fetch);
        if (inFlight != null && inFlight.join(waiter(ctx, request))) {
            return;
        }
        leading = fetch;
        fetch.beginFromPeer(origins, OriginRequests.forHandoff(request, cache.via()), member,
                () -> OriginRequests.build(request, HttpMethod.GET, true, null, cache.via()), request.origin());
        request.request().release();
    }

    /**
     * Sends a HEAD, conditional or range request for another member's URL to that member as
     * asked, streaming its answer back: fetching the whole response here to answer it would
     * store a second copy and take the URL's claim away from its owner.
     */
    private void askOwner(ChannelHandlerContext ctx, ProxyRequest request, InetSocketAddress owner) {
        Fetch fetch = new Fetch(cache, request, request.method(), false, false, null, respond(ctx, request));
        leading = fetch;
        fetch.beginFromPeer(origins, OriginRequests.asAsked(request, cache.via(), true), owner,
                () -> OriginRequests.asAsked(request, cache.via(), false), request.origin());
        request.request().release();
    }

    /** Sends the client's own request to the origin, streaming the answer back. */
    private void forward(ChannelHandlerContext ctx, ProxyRequest request, boolean mayStore, boolean invalidates) {
        Fetch fetch = new Fetch(cache, request, request.method(), mayStore, invalidates, null, respond(ctx, request));
        leading = fetch;
        fetch.begin(origins, OriginRequests.build(request, request.method(), false, null, cache.via()), request.origin());
        request.request().release();
    }

    private static boolean mayStore(ProxyRequest request) {
        return request.storable() && HttpMethod.GET.equals(request.method()) && !request.control().noStore()
                && OriginRequests.whole(request.headers());
    }

    private Collapser.Waiter waiter(ChannelHandlerContext ctx, ProxyRequest request) {
        return Collapser.Waiter.on(ctx.executor(), request.headers(), outcome -> woken(ctx, request, outcome));
    }

    private void woken(ChannelHandlerContext ctx, ProxyRequest request, Collapser.Outcome outcome) {
        if (!ctx.channel().isActive()) {
            if (outcome.entry() != null) {
                outcome.entry().body().release();
            }
            request.request().release();
            return;
        }
        switch (outcome.kind()) {
            case STORED -> {
                // The response just fetched serves every request that waited for it, whatever its
                // age, and whether or not the index kept it.
                respond(ctx, request).serve(outcome.entry(), LogCode.TCP_MEM_HIT);
                request.request().release();
            }
            case UNSTORED -> forward(ctx, request, false, false);
            case FAILED -> {
                respond(ctx, request).error(outcome.status(), outcome.detail(), LogCode.TCP_MISS);
                request.request().release();
            }
        }
    }

    private void purge(ChannelHandlerContext ctx, ProxyRequest request) {
        boolean removed = cache.index().invalidate(request.key());
        cache.peers().invalidated(List.of(request.key())); // wherever else it is held
        request.request().release();
        ClientResponse response = respond(ctx, request);
        if (removed) {
            response.error(HttpResponseStatus.OK, "purged " + request.url(), LogCode.TCP_MISS);
        } else {
            response.error(HttpResponseStatus.NOT_FOUND, request.url() + " was not in this cache", LogCode.TCP_MISS);
        }
    }

    private ClientResponse respond(ChannelHandlerContext ctx, ProxyRequest request) {
        return new ClientResponse(ctx, request, cache.via(), cache.clock());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (leading != null && ctx.channel().isWritable()) {
            leading.leaderWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** The end of the pipeline: whatever went wrong on this connection, it cannot go on. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            // Resets, broken pipes, and a client gone before the end of its request, which the
            // aggregator reports as it closes: the client's doing, not worth a stack trace.
            log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("client {}: closing the connection after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (leading != null) {
            leading.leaderGone();
            leading = null;
        }
        ctx.fireChannelInactive();
    }
}
