package sibyl.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import java.util.Locale;
import sibyl.node.cache.CacheControl;
import sibyl.node.cache.CacheKey;

/**
 * Turns a decoded request into a {@link ProxyRequest}, or answers it with the error it earns:
 * 414 for a request line over the limit, 431 for headers over theirs, 400 for anything
 * malformed (request-smuggling shapes among them: Content-Length with Transfer-Encoding,
 * differing Content-Lengths, Transfer-Encoding in HTTP/1.0), 505 for a version other than 1.x,
 * 405 for CONNECT (the node does not tunnel), 508 for a request whose Via shows it has been
 * through this node before, and the status of a {@link RefusedRequest} for one a bound refused. Malformed requests close the connection: what follows them on it
 * cannot be trusted to start where the parser thinks.
 */
final class RequestGuard extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Via via;

    RequestGuard(Via via) {
        super(false);
        this.via = via;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            ProxyRequest accepted = check(ctx, request);
            if (accepted != null) {
                ctx.fireChannelRead(accepted);
                return;
            }
        } catch (RuntimeException e) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request: " + e.getMessage(), false);
        }
    }

    /** The accepted request, or null once an error has been written. */
    private ProxyRequest check(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof RefusedRequest refused) {
                refuse(ctx, request, refused.status(), refused.getMessage(), false);
            } else if (cause instanceof TooLongHttpLineException) {
                refuse(ctx, request, HttpResponseStatus.REQUEST_URI_TOO_LONG, cause.getMessage(), false);
            } else if (cause instanceof TooLongHttpHeaderException) {
                refuse(ctx, request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, cause.getMessage(), false);
            } else {
                refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request: " + cause.getMessage(), false);
            }
            return null;
        }
        if (request.protocolVersion().majorVersion() != 1) {
            refuse(ctx, request, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1 are served",
                    false);
            return null;
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            request.release();
            FullHttpResponse response = ErrorResponses.of(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "CONNECT is not served: this node caches HTTP and does not tunnel", request.protocolVersion(),
                    false, via);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PURGE");
            ctx.writeAndFlush(response);
            return null;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (via.loops(request.headers())) {
            refuse(ctx, request, HttpResponseStatus.valueOf(508, "Loop Detected"),
                    "forwarding loop: this request's Via already names " + via.node(), keepAlive);
            return null;
        }
        String target = request.uri();
        String badCharacter = badCharacter(target);
        if (badCharacter != null) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "request target contains " + badCharacter, false);
            return null;
        }
        String authority;
        String originTarget;
        boolean forward;
        if (target.startsWith("/")) {
            List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
            if (hosts.size() != 1) {
                // HTTP/1.0 allowed none, but an accelerator cannot tell which site is meant.
                refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "a request for a path needs exactly one Host header",
                        false);
                return null;
            }
            authority = hosts.get(0).strip().toLowerCase(Locale.ROOT);
            originTarget = withoutFragment(target);
            forward = false;
        } else if (target.regionMatches(true, 0, "http://", 0, 7)) {
            int end = 7;
            while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
                end++;
            }
            authority = target.substring(7, end).toLowerCase(Locale.ROOT);
            String rest = withoutFragment(target.substring(end));
            originTarget = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
            forward = true;
        } else if (target.indexOf("://") > 0) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "only http:// URLs are proxied, not "
                    + target.substring(0, target.indexOf("://") + 3), keepAlive);
            return null;
        } else {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "request target is neither a path nor an http:// URL",
                    false);
            return null;
        }
        String authorityProblem = authorityProblem(authority);
        if (authorityProblem != null) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, authorityProblem, false);
            return null;
        }
        String url = "http://" + authority + originTarget;
        Transaction transaction = ctx.channel().attr(Transaction.KEY).get();
        transaction.url = url;
        return new ProxyRequest(request, transaction, url, CacheKey.of(url), authority, originTarget, forward, keepAlive,
                control(request), null, true);
    }

    private static CacheControl control(FullHttpRequest request) {
        List<String> lines = request.headers().getAll(HttpHeaderNames.CACHE_CONTROL);
        if (lines.isEmpty() && request.headers().containsValue(HttpHeaderNames.PRAGMA, HttpHeaderValues.NO_CACHE, true)) {
            return CacheControl.parse("no-cache"); // RFC 9111 section 5.4
        }
        return lines.isEmpty() ? CacheControl.NONE : CacheControl.parse(lines);
    }

    private static String withoutFragment(String target) {
        int hash = target.indexOf('#');
        return hash < 0 ? target : target.substring(0, hash);
    }

    /** What is wrong with a request target's characters, or null: only visible ASCII is allowed. */
    private static String badCharacter(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return String.format(Locale.ROOT, "the character 0x%02x at %d", (int) c, i);
            }
        }
        return target.isEmpty() ? "nothing" : null;
    }

    /** What is wrong with host[:port], or null. */
    static String authorityProblem(String authority) {
        if (authority.isEmpty()) {
            return "no host in the URL";
        }
        if (authority.indexOf('@') >= 0) {
            return "user information in an http URL is not allowed";
        }
        int portStart;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return "unclosed IPv6 literal in '" + authority + "'";
            }
            if (!ipv6Literal(authority, 1, close)) {
                return "'" + authority.substring(0, close + 1) + "' is not an IPv6 address";
            }
            portStart = close + 1;
        } else {
            int colon = authority.indexOf(':');
            portStart = colon < 0 ? authority.length() : colon;
            for (int i = 0; i < portStart; i++) {
                char c = authority.charAt(i);
                if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_') || c > 0x7e) {
                    return "'" + authority + "' is not a host name";
                }
            }
            if (portStart == 0) {
                return "no host in '" + authority + "'";
            }
        }
        if (portStart < authority.length()) {
            if (authority.charAt(portStart) != ':') {
                return "'" + authority + "' is not host[:port]";
            }
            String digits = authority.substring(portStart + 1);
            if (digits.isEmpty()) {
                return null; // "host:" is the default port (RFC 3986 section 6.2.3)
            }
            if (digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
                return "'" + digits + "' is not a port";
            }
        }
        return null;
    }

    /**
     * Whether {@code text[start, end)} can be an IPv6 address: hex digits, colons, and dots for an
     * embedded IPv4 address (RFC 3986 section 3.2.2; the node does not connect to zones).
     */
    private static boolean ipv6Literal(String text, int start, int end) {
        if (end - start < 2 || end - start > 45) {
            return false;
        }
        boolean colon = false;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            colon |= c == ':';
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return false;
            }
        }
        return colon;
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String detail,
            boolean keepAlive) {
        request.release();
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), status, detail, request.protocolVersion(), keepAlive, via));
    }
}
