package sibyl.node.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.icp.policy.builtin.Cidr;

/**
 * Routes one admin request to what the node answers with. Every answer is whole (no streaming):
 * admin pages are small, and a scrape is a few tens of kilobytes.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";
    /** Prometheus's text exposition format, the version every scraper reads. */
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    private static final int MAX_PATTERN = 1024;
    private static final int DEFAULT_LIST_LIMIT = 1000;
    private static final int MAX_LIST_LIMIT = 100_000;
    private static final String PATHS = "GET /metrics, /healthz, /readyz, /, /status.json, /cache?match=REGEX&limit=N;"
            + " POST /reload, /cache/purge?match=REGEX";

    private final NodeControl node;
    private final Supplier<List<Cidr>> allow;

    AdminHandler(NodeControl node, Supplier<List<Cidr>> allow) {
        this.node = node;
        this.allow = allow;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        if (!request.decoderResult().isSuccess()) {
            answer(ctx, request, HttpResponseStatus.BAD_REQUEST, TEXT, "malformed request: "
                    + request.decoderResult().cause() + "\n");
            return;
        }
        if (allow.get().stream().noneMatch(block -> block.contains(client.getAddress()))) {
            answer(ctx, request, HttpResponseStatus.FORBIDDEN, TEXT, "the admin listener is not open to "
                    + client.getAddress().getHostAddress() + " (admin.allow)\n");
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        try {
            route(ctx, request, uri.path(), uri.parameters());
        } catch (IllegalArgumentException e) {
            answer(ctx, request, HttpResponseStatus.BAD_REQUEST, TEXT, e.getMessage() + "\n");
        } catch (RuntimeException e) {
            log.warn("admin {} {} from {} failed", request.method(), request.uri(), client, e);
            answer(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT, "failed: " + e + "\n");
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request, String path, Map<String, List<String>> query) {
        HttpMethod method = request.method();
        switch (path) {
            case "/healthz" -> {
                if (readOnly(ctx, request)) {
                    answer(ctx, request, HttpResponseStatus.OK, TEXT, "ok\n");
                }
            }
            case "/readyz" -> {
                if (readOnly(ctx, request)) {
                    NodeControl.Readiness readiness = node.readiness();
                    answer(ctx, request, readiness.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            TEXT, (readiness.ready() ? "ready" : "not ready: " + readiness.reason()) + "\n");
                }
            }
            case "/metrics" -> {
                if (readOnly(ctx, request)) {
                    answer(ctx, request, HttpResponseStatus.OK, PROMETHEUS, node.scrape());
                }
            }
            case "/", "/status" -> {
                if (readOnly(ctx, request)) {
                    answer(ctx, request, HttpResponseStatus.OK, "text/html; charset=utf-8", StatusPage.HTML);
                }
            }
            case "/status.json" -> {
                if (readOnly(ctx, request)) {
                    answer(ctx, request, HttpResponseStatus.OK, JSON, node.statusJson() + "\n");
                }
            }
            case "/reload" -> {
                if (posted(ctx, request)) {
                    reload(ctx, request);
                }
            }
            case "/cache" -> {
                if (readOnly(ctx, request)) {
                    list(ctx, request, query);
                }
            }
            case "/cache/purge" -> {
                if (posted(ctx, request)) {
                    NodeControl.PurgeOutcome outcome = node.purge(pattern(query, true));
                    answer(ctx, request, HttpResponseStatus.OK, JSON, "{\"removed\":" + outcome.removed()
                            + ",\"members\":" + outcome.members() + "}\n");
                }
            }
            default -> answer(ctx, request, HttpResponseStatus.NOT_FOUND, TEXT, "no admin page " + path + "; there are "
                    + PATHS + "\n");
        }
    }

    private void reload(ChannelHandlerContext ctx, FullHttpRequest request) {
        NodeControl.ReloadOutcome outcome = node.reload();
        StringBuilder text = new StringBuilder(outcome.applied() ? "reloaded" : "refused: the running configuration stays");
        if (outcome.applied()) {
            text.append(outcome.changed().isEmpty() ? "; nothing changed" : "; changed " + String.join(", ", outcome.changed()));
        }
        text.append('\n');
        outcome.problems().forEach(problem -> text.append(problem).append('\n'));
        answer(ctx, request, outcome.applied() ? HttpResponseStatus.OK : HttpResponseStatus.UNPROCESSABLE_ENTITY, TEXT,
                text.toString());
    }

    private void list(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, List<String>> query) {
        Pattern match = pattern(query, false);
        int limit = DEFAULT_LIST_LIMIT;
        List<String> limits = query.get("limit");
        if (limits != null) {
            try {
                limit = Integer.parseInt(limits.get(0));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIST_LIMIT) {
                throw new IllegalArgumentException("limit=" + limits.get(0) + ": expected 1 to " + MAX_LIST_LIMIT);
            }
        }
        NodeControl.Listing listing = node.list(match, limit);
        StringBuilder json = new StringBuilder("{\"matched\":").append(listing.matched()).append(",\"objects\":[");
        String separator = "";
        for (NodeControl.CachedObject object : listing.objects()) {
            json.append(separator).append("{\"url\":").append(Json.string(object.url()))
                    .append(",\"bytes\":").append(object.bytes())
                    .append(",\"store\":").append(Json.string(object.store()))
                    .append(",\"freshSeconds\":").append(object.freshSeconds())
                    .append(",\"hits\":").append(object.hits())
                    .append(",\"owner\":").append(Json.string(object.owner())).append('}');
            separator = ",";
        }
        answer(ctx, request, HttpResponseStatus.OK, JSON, json.append("]}\n").toString());
    }

    /**
     * The {@code match} parameter as a pattern, searched for in URLs; {@code required} for a
     * purge, where no pattern must not mean everything by accident (".*" says so).
     */
    private static Pattern pattern(Map<String, List<String>> query, boolean required) {
        List<String> values = query.get("match");
        if (values == null || values.get(0).isEmpty()) {
            if (required) {
                throw new IllegalArgumentException("match=REGEX is required (match=. for everything)");
            }
            return null;
        }
        String regex = values.get(0);
        if (regex.length() > MAX_PATTERN) {
            throw new IllegalArgumentException("match: a pattern of at most " + MAX_PATTERN + " characters");
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("match: not a regular expression: " + e.getDescription() + " near index "
                    + e.getIndex() + " of " + regex);
        }
    }

    private static boolean readOnly(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)) {
            return true;
        }
        methodNotAllowed(ctx, request, "GET, HEAD");
        return false;
    }

    private static boolean posted(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.method().equals(HttpMethod.POST)) {
            return true;
        }
        methodNotAllowed(ctx, request, "POST");
        return false;
    }

    private static void methodNotAllowed(ChannelHandlerContext ctx, FullHttpRequest request, String allowed) {
        FullHttpResponse response = response(request, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT,
                request.method() + " is not allowed on " + new QueryStringDecoder(request.uri()).path() + "; use "
                        + allowed + "\n");
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        send(ctx, request, response);
    }

    private static void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
            String type, String body) {
        send(ctx, request, response(request, status, type, body));
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
                request.method().equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            HttpUtil.setKeepAlive(response, true);
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof ReadTimeoutException) && !(cause instanceof IOException)) {
            log.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    /** A resource of this package, read once. */
    static String resource(String name) {
        try (InputStream in = AdminHandler.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " next to " + AdminHandler.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
