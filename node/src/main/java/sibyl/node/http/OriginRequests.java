package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import sibyl.node.cache.CacheEntry;

/** The request sent to an origin for a client's request. */
final class OriginRequests {
    /** The fields that make a request ask for less than the whole, current response. */
    static final List<CharSequence> PARTIAL_OR_CONDITIONAL = List.of(HttpHeaderNames.IF_NONE_MATCH,
            HttpHeaderNames.IF_MODIFIED_SINCE, HttpHeaderNames.IF_RANGE, HttpHeaderNames.RANGE, HttpHeaderNames.IF_MATCH,
            HttpHeaderNames.IF_UNMODIFIED_SINCE);

    /**
     * The field a draining member sends with a URL it hands to the member that takes it over:
     * its own name. Never forwarded.
     */
    static final String HANDOFF = "Sibyl-Handoff";

    private OriginRequests() {}

    /** Whether {@code headers} ask for the whole response, unconditionally. */
    static boolean whole(HttpHeaders headers) {
        for (CharSequence field : PARTIAL_OR_CONDITIONAL) {
            if (headers.contains(field)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The origin's request: the client's fields without hop-by-hop ones, Host from the URL, this
     * node added to Via and the client to X-Forwarded-For (as Squid does).
     *
     * @param forStore ask for the whole response, whatever the client's conditionals, so it can be
     *     stored; the client's conditionals are answered from it
     * @param stale the entry to revalidate, whose validators are sent; or null
     */
    static FullHttpRequest build(ProxyRequest request, HttpMethod method, boolean forStore, CacheEntry stale, Via via) {
        return build(request, method, forStore, stale, via, false, !forStore);
    }

    /**
     * The same request for another cluster member, which owns the URL: in absolute form, as a
     * client of a proxy sends it, for the member to answer from its cache or its origin.
     */
    static FullHttpRequest forPeer(ProxyRequest request, Via via) {
        return build(request, HttpMethod.GET, true, null, via, true, false);
    }

    /**
     * The request for a URL handed over, to the member that hands it: answered from its cache
     * only, never from its origin (504 if it no longer holds it).
     */
    static FullHttpRequest forHandoff(ProxyRequest request, Via via) {
        FullHttpRequest forPeer = forPeer(request, via);
        forPeer.headers().set(HttpHeaderNames.CACHE_CONTROL, "only-if-cached");
        return forPeer;
    }

    /**
     * The client's own GET or HEAD, its conditionals and range kept, without a body (it may be
     * built after the client's request is released): in absolute form for the member that owns
     * the URL, else for the origin.
     */
    static FullHttpRequest asAsked(ProxyRequest request, Via via, boolean forPeer) {
        return build(request, request.method(), false, null, via, forPeer, false);
    }

    private static FullHttpRequest build(ProxyRequest request, HttpMethod method, boolean forStore, CacheEntry stale,
            Via via, boolean absoluteForm, boolean withContent) {
        HttpHeaders headers = HopByHop.withoutHopByHop(request.headers());
        headers.remove(HANDOFF);
        headers.set(HttpHeaderNames.HOST, request.authority());
        via.add(headers, request.version());
        String forwardedFor = headers.get("X-Forwarded-For");
        String client = request.transaction().client;
        headers.set("X-Forwarded-For", forwardedFor == null ? client : forwardedFor + ", " + client);
        if (forStore) {
            PARTIAL_OR_CONDITIONAL.forEach(headers::remove);
        }
        if (stale != null) {
            String etag = stale.headers().get(HttpHeaderNames.ETAG);
            String lastModified = stale.headers().get(HttpHeaderNames.LAST_MODIFIED);
            if (etag != null) {
                headers.set(HttpHeaderNames.IF_NONE_MATCH, etag);
            }
            if (lastModified != null) {
                headers.set(HttpHeaderNames.IF_MODIFIED_SINCE, lastModified);
            }
        }
        boolean bodiless = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
        ByteBuf content = withContent ? request.request().content().retainedDuplicate() : Unpooled.EMPTY_BUFFER;
        if (content.isReadable() || !bodiless) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        }
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, absoluteForm ? request.url() : request.originTarget(),
                content, headers, EmptyHttpHeaders.INSTANCE);
    }
}
