package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import sibyl.cluster.ClusterStatus;
import sibyl.icp.policy.builtin.Cidr;
import sibyl.node.cache.replacement.Replacement;
import sibyl.node.jvm.JvmGauges;

/**
 * The paths Squid uses to talk to a peer rather than through it, answered by the node itself:
 * {@code /squid-internal-periodic/store_digest} is 404 (Sibyl keeps no cache digest: Squid then
 * stops asking), and {@code /squid-internal-mgr/counters} is the node's counters in the
 * {@code name = value} lines of Squid's cache manager, for {@code http.purge-allow} clients.
 */
final class InternalPages extends SimpleChannelInboundHandler<ProxyRequest> {
    static final String STORE_DIGEST = "/squid-internal-periodic/store_digest";
    static final String MANAGER = "/squid-internal-mgr/";

    // Created with the first pipeline, at start-up (the warm-up's requests): the heap figures
    // come from the collections after it.
    private static final JvmGauges JVM = JvmGauges.get();

    private final ProxyCache cache;
    private final List<Cidr> managers;

    InternalPages(ProxyCache cache, List<Cidr> managers) {
        super(false);
        this.cache = cache;
        this.managers = managers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ProxyRequest request) {
        String path = request.originTarget();
        if (path.startsWith(STORE_DIGEST)) {
            answer(ctx, request, HttpResponseStatus.NOT_FOUND, "this node keeps no cache digest; use ICP");
        } else if (path.startsWith(MANAGER)) {
            manager(ctx, request, path.substring(MANAGER.length()));
        } else {
            ctx.fireChannelRead(request);
        }
    }

    private void manager(ChannelHandlerContext ctx, ProxyRequest request, String page) {
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        if (!Admission.allowed(managers, client.getAddress())) {
            request.transaction().code = LogCode.TCP_DENIED;
            answer(ctx, request, HttpResponseStatus.FORBIDDEN, "the cache manager is not open to "
                    + client.getAddress().getHostAddress() + " (http.purge-allow)");
            return;
        }
        if (page.equals("cluster") || page.equals("cluster.json")) {
            ClusterStatus status = cache.cluster().get();
            if (status == null) {
                answer(ctx, request, HttpResponseStatus.NOT_FOUND, "this node is in no cluster (cluster.enabled = false)");
                return;
            }
            boolean json = page.endsWith(".json");
            page(ctx, request, json ? status.toJson() + "\n" : status.toText(),
                    json ? "application/json" : "text/plain; charset=us-ascii");
            return;
        }
        if (!page.equals("counters")) {
            answer(ctx, request, HttpResponseStatus.NOT_FOUND, "no cache manager page '" + page
                    + "'; try counters, cluster or cluster.json");
            return;
        }
        HttpStats stats = cache.stats();
        String text = "sample_time = " + System.currentTimeMillis() / 1000 + "\n"
                + "client_http.requests = " + stats.requests() + "\n"
                + "client_http.hits = " + stats.hits() + "\n"
                + "client_http.errors = " + stats.errors() + "\n"
                + "client_http.kbytes_out = " + stats.bytesOut() / 1024 + "\n"
                + "client_http.hit_kbytes_out = " + stats.hitBytesOut() / 1024 + "\n"
                + "server.all.requests = " + stats.originRequests() + "\n"
                + "server.all.errors = " + stats.originErrors() + "\n"
                + "sibyl.http.connections = " + stats.connections() + "\n"
                + "sibyl.http.in_flight = " + stats.inFlight() + "\n"
                + "sibyl.http.request_body_bytes = " + stats.requestBodyBytes() + "\n"
                + "sibyl.misses = " + stats.misses() + "\n"
                + "sibyl.revalidations = " + stats.revalidations() + "\n"
                + "sibyl.stale_while_revalidate = " + stats.staleWhileRevalidating() + "\n"
                + "sibyl.stale_if_error = " + stats.staleOnError() + "\n"
                + "sibyl.peer_requests = " + stats.peerRequests() + "\n"
                + "sibyl.peer_errors = " + stats.peerErrors() + "\n"
                + "sibyl.spliced_responses = " + stats.splicedResponses() + "\n"
                + "sibyl.spliced_kbytes = " + stats.splicedBytes() / 1024 + "\n"
                + "sibyl.evictions = " + cache.index().evictions() + "\n"
                + "sibyl.pins_broken = " + cache.index().pinsBroken() + "\n"
                + "sibyl.objects = " + cache.index().size() + "\n"
                + "sibyl.bytes_stored = " + cache.index().weight() + "\n"
                + "sibyl.body_bytes_held = " + cache.store().bytesHeld() + "\n"
                + replacement(cache.index().replacement());
        StringBuilder store = new StringBuilder();
        cache.store().counters().forEach((name, value) -> store.append("sibyl.store.").append(name).append(" = ")
                .append(value).append('\n'));
        stats.origin().counters().forEach((name, value) -> store.append("sibyl.origin.").append(name).append(" = ")
                .append(value).append('\n'));
        ClusterStatus cluster = cache.cluster().get();
        if (cluster != null) {
            new java.util.TreeMap<>(cluster.counters()).forEach((name, value) -> store.append("sibyl.cluster.")
                    .append(name).append(" = ").append(value).append('\n'));
        }
        text += store + JVM.text();
        page(ctx, request, text, "text/plain; charset=us-ascii");
    }

    /**
     * The replacement policy's mode, and the hits its two simulations made lately (halved every
     * period of 128 to 1,024 sampled requests): what chose the mode.
     */
    private static String replacement(Replacement.Status status) {
        return "sibyl.replacement.mode = " + status.mode().name().toLowerCase(Locale.ROOT) + "\n"
                + "sibyl.replacement.recency_hits = " + Math.round(status.recencyScore()) + "\n"
                + "sibyl.replacement.frequency_hits = " + Math.round(status.frequencyScore()) + "\n"
                + "sibyl.replacement.sample_rate = " + status.sampleRate() + "\n"
                + "sibyl.replacement.switches = " + status.switches() + "\n";
    }

    private void page(ChannelHandlerContext ctx, ProxyRequest request, String text, String contentType) {
        request.request().release();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf body = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        Framing.apply(response.headers(), request.version(), request.keepAlive(), bytes.length, false);
        ctx.writeAndFlush(response);
    }

    private void answer(ChannelHandlerContext ctx, ProxyRequest request, HttpResponseStatus status, String detail) {
        request.request().release();
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), status, detail, request.version(), request.keepAlive(),
                cache.via()));
    }
}
