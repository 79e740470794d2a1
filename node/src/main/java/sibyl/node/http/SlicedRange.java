package sibyl.node.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.Reuse;
import sibyl.node.origin.OriginClient;

/**
 * A client's range answered from slices ({@code cache.slice-size}), as Varnish's slicer and ATS's
 * slice plugin do: each slice the range covers is served from the index when held and fresh, or
 * fetched from the origin with an aligned Range (joining a fetch of it in flight) and stored; the
 * client gets one 206 assembled from them, slice after slice, each once the one before is
 * written, so a slow client holds one slice at a time and never a whole object.
 *
 * <p>Slices are combined only while they carry the first one's strong ETag and length (RFC 9111
 * section 3.4). A stale slice is revalidated with its ETag (a 304 keeps its bytes and refreshes
 * it). A held slice of another representation is fetched again; a fetched one that does
 * not means the representation changed under the response: its slices are invalidated and the
 * connection is closed, the only honest end of a 206 already begun (nginx's slice module does
 * the same). Before the head is sent, anything the slices cannot answer (an origin that ignores
 * Range, sends no strong ETag, or an If-Range that does not match) goes to the origin as asked.
 *
 * <p>Owns the client's request from {@link #start} until it ends, or hands it to the fallback.
 */
final class SlicedRange {
    private static final Logger log = LoggerFactory.getLogger(SlicedRange.class);
    /** Offsets past this (an exbibyte) are not sliced: a slice's last byte must not overflow. */
    private static final long MAX_OFFSET = 1L << 60;

    private final ProxyCache cache;
    private final OriginClient origins;
    private final ChannelHandlerContext ctx;
    private final ProxyRequest request;
    private final long sliceSize;
    private final long first;
    /** The last byte asked for: as the client said, then within the representation once its length is known. */
    private long last;
    private final Runnable asAsked;
    private ClientResponse response;
    private String etag;
    private long total;
    private boolean fetchedAny;
    private boolean ended;

    /**
     * @param range the first and last byte asked for ({@link #requested})
     * @param asAsked sends the client's request to the origin as asked, taking the request over
     */
    SlicedRange(ProxyCache cache, OriginClient origins, ChannelHandlerContext ctx, ProxyRequest request, long[] range,
            Runnable asAsked) {
        this.cache = cache;
        this.origins = origins;
        this.ctx = ctx;
        this.request = request;
        this.sliceSize = cache.sliceBytes();
        this.first = range[0];
        this.last = range[1];
        this.asAsked = asAsked;
    }

    /**
     * The first and last byte of a Range field that slices can answer: one range from a given
     * byte (to a given one, or to the end: {@link Long#MAX_VALUE}); null for a suffix range
     * (whose start needs the length), several ranges, or anything else.
     */
    static long[] requested(String field) {
        String value = field.strip();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6) || value.substring(6).strip().startsWith("-")) {
            return null;
        }
        long[] range = Conditionals.byteRange(value, Long.MAX_VALUE);
        if (range == null || range == Conditionals.UNSATISFIABLE || range[0] > MAX_OFFSET) {
            return null; // past any representation's end: the origin answers that as asked
        }
        return new long[] {range[0], range[0] + range[1] - 1};
    }

    /**
     * The first and last byte {@code request}, a request that missed, asks for, if slices answer
     * it under {@code cache}'s settings (a GET of one range, without If-None-Match or
     * If-Modified-Since); else null.
     */
    static long[] rangeOf(ProxyCache cache, ProxyRequest request) {
        HttpHeaders headers = request.headers();
        String range = headers.get(HttpHeaderNames.RANGE);
        if (cache.sliceBytes() <= 0 || range == null || !HttpMethod.GET.equals(request.method())
                || headers.contains(HttpHeaderNames.IF_NONE_MATCH) || headers.contains(HttpHeaderNames.IF_MODIFIED_SINCE)) {
            return null;
        }
        return requested(range);
    }

    void start() {
        step(Slice.at(request.key(), first, sliceSize));
    }

    /** Serves {@code slice} from the index if it may, else fetches it. */
    private void step(Slice slice) {
        if (!ctx.channel().isActive()) {
            end();
            return;
        }
        CacheEntry held = cache.index().lookup(slice.key(), request.headers());
        if (held != null && (response == null || combines(slice, held))) {
            if (Reuse.decide(held.freshness(), request.control(), cache.clock().millis(), cache.grace()) == Reuse.SERVE) {
                deliver(slice, held);
            } else {
                fetch(slice, held); // stale: revalidated with its ETag, a 304 keeps its bytes
            }
            return;
        }
        if (held != null) {
            held.body().release(); // of another representation: the slice fetched replaces it
        }
        fetch(slice, null);
    }

    /** Fetches {@code slice}, revalidating {@code stale} (whose reference this takes over) if there is one. */
    private void fetch(Slice slice, CacheEntry stale) {
        Collapser.Waiter waiter = Collapser.Waiter.on(ctx.executor(), request.headers(), outcome -> fetched(slice, outcome));
        Fetch fetch = Fetch.ofSlice(cache, request, slice, stale);
        Fetch inFlight = cache.fetches().registerOrGet(fetch);
        if (inFlight != null && inFlight.join(waiter)) {
            if (stale != null) {
                stale.body().release(); // the fetch joined does without it
            }
            return;
        }
        fetch.join(waiter);
        if (stale != null) {
            fetch.revalidate(origins, sliceRequest(slice, stale), () -> sliceRequest(slice, null), request.origin());
        } else {
            fetch.begin(origins, sliceRequest(slice, null), request.origin());
        }
    }

    /** The origin's request for {@code slice}, conditional on {@code stale}'s validators if there is one. */
    private FullHttpRequest sliceRequest(Slice slice, CacheEntry stale) {
        FullHttpRequest sliceRequest = OriginRequests.build(request, HttpMethod.GET, true, stale, cache.via());
        sliceRequest.headers().set(HttpHeaderNames.RANGE, slice.range());
        return sliceRequest;
    }

    private void fetched(Slice slice, Collapser.Outcome outcome) {
        CacheEntry entry = outcome.entry();
        if (ended || !ctx.channel().isActive()) {
            if (entry != null) {
                entry.body().release();
            }
            end();
            return;
        }
        fetchedAny = true;
        request.transaction().hierarchy = "HIER_DIRECT/" + request.origin().getHostString();
        switch (outcome.kind()) {
            case STORED -> {
                if (entry.status() == 200 && response == null) {
                    // The slice was the whole representation, stored whole: it answers the range itself.
                    respond().serve(entry, LogCode.TCP_MISS);
                    end();
                } else if (entry.status() != 206 || response != null && !combines(slice, entry)) {
                    entry.body().release();
                    changed();
                } else {
                    deliver(slice, entry);
                }
            }
            case UNSTORED -> {
                if (response == null) {
                    log.debug("{}: the slices cannot answer bytes {}-{}; asking the origin as the client asked",
                            request.key(), first, last);
                    handOver();
                } else {
                    changed();
                }
            }
            case FAILED -> {
                if (response == null) {
                    respond().error(outcome.status(), outcome.detail(), LogCode.TCP_MISS);
                } else {
                    response.cutShort();
                }
                end();
            }
        }
    }

    /** Whether a slice stored for {@code slice} is part of the representation the response began with. */
    private boolean combines(Slice slice, CacheEntry entry) {
        return slice.totalIn(entry.headers()) == total && etag.equals(entry.headers().get(HttpHeaderNames.ETAG));
    }

    /** Writes what the client asked of {@code slice}, held in {@code entry}; then the next slice. */
    private void deliver(Slice slice, CacheEntry entry) {
        if (response == null) {
            total = slice.totalIn(entry.headers());
            if (total < 0 || !Conditionals.rangeApplies(request.headers(), entry.headers())) {
                // If-Range names another representation (the whole one is due), or a 304 changed
                // the slice's Content-Range: the origin answers as asked.
                entry.body().release();
                handOver();
                return;
            }
            etag = entry.headers().get(HttpHeaderNames.ETAG);
            if (first >= total) {
                respond().unsatisfiable(entry, total);
                end();
                return;
            }
            last = Math.min(last, total - 1);
            response = respond();
            response.partial(entry, first, last, total, fetchedAny ? LogCode.TCP_MISS : LogCode.TCP_MEM_HIT);
        }
        long from = Math.max(first, slice.first());
        long to = Math.min(last, slice.first() + entry.body().length() - 1);
        ChannelFuture written = response.part(entry.body(), from - slice.first(), to - from + 1);
        if (to == last) {
            finish();
            return;
        }
        Slice next = slice.next();
        // On the loop, not within the listener: a socket that takes every slice at once would
        // otherwise go one stack frame deeper per slice.
        written.addListener(done -> ctx.executor().execute(() -> {
            if (done.isSuccess()) {
                step(next);
            } else {
                end();
            }
        }));
    }

    /** The representation changed between two of the response's slices. */
    private void changed() {
        log.debug("{}: the representation changed while its slices were served; its slices are dropped", request.key());
        cache.index().invalidate(request.key());
        cache.peers().invalidated(java.util.List.of(request.key()));
        if (response != null) {
            response.cutShort();
        }
        end();
    }

    private void finish() {
        request.transaction().code = fetchedAny ? LogCode.TCP_MISS : LogCode.TCP_MEM_HIT;
        response.end();
        end();
    }

    /** The client's request goes to the origin as asked: the fallback takes it over. */
    private void handOver() {
        ended = true;
        asAsked.run();
    }

    /** The one place the client's request is let go, unless the fallback took it over. */
    private void end() {
        if (!ended) {
            ended = true;
            request.request().release();
        }
    }

    private ClientResponse respond() {
        return new ClientResponse(ctx, request, cache.via(), cache.clock());
    }
}
