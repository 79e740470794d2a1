package sibyl.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.icp.policy.builtin.Cidr;
import sibyl.icp.policy.builtin.Rule;

/**
 * Decides whether a request is served and where it goes: forward-proxy requests only from the
 * {@code http.allow} clients (403 otherwise), PURGE only from {@code http.purge-allow}, a
 * {@code drop} rule's URLs refused with 403 and a placeholder body, accelerator requests to the
 * origin mapped to their Host (421 when none is), forward-proxy requests to the host their URL
 * names. A {@code nocache} rule's URLs are marked never to be stored.
 */
final class Admission extends SimpleChannelInboundHandler<ProxyRequest> {
    private static final Logger log = LoggerFactory.getLogger(Admission.class);
    static final HttpMethod PURGE = HttpMethod.valueOf("PURGE");

    /** Who may do what, where accelerated hosts go, and the URL rules; shared by every connection. */
    record Settings(List<Cidr> allow, List<Cidr> purgeAllow, Map<String, InetSocketAddress> accelerate, UrlRules drop,
            UrlRules nocache) {}

    private final List<Cidr> allow;
    private final List<Cidr> purgeAllow;
    private final Map<String, InetSocketAddress> accelerate;
    private final UrlRules drop;
    private final UrlRules nocache;
    private final Via via;

    Admission(Settings settings, Via via) {
        super(false);
        this.allow = settings.allow();
        this.purgeAllow = settings.purgeAllow();
        this.accelerate = settings.accelerate();
        this.drop = settings.drop();
        this.nocache = settings.nocache();
        this.via = via;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ProxyRequest request) {
        InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (PURGE.equals(request.method()) && !allowed(purgeAllow, client)) {
            deny(ctx, request, HttpResponseStatus.FORBIDDEN, "PURGE is not allowed from " + client.getHostAddress()
                    + " (http.purge-allow)");
            return;
        }
        InetSocketAddress origin;
        if (request.forward()) {
            if (!allowed(allow, client)) {
                deny(ctx, request, HttpResponseStatus.FORBIDDEN, client.getHostAddress()
                        + " may not use this node as a proxy (http.allow)");
                return;
            }
            origin = originOf(request.authority());
        } else {
            origin = accelerated(request.authority());
            if (origin == null) {
                deny(ctx, request, HttpResponseStatus.MISDIRECTED_REQUEST, "this node accelerates no site named '"
                        + request.authority() + "' (http.accelerate)");
                return;
            }
        }
        Rule dropped = drop.firstMatch(request.url());
        if (dropped != null) {
            log.info("dropped {}: rule {} of {}", request.url(), dropped, drop.file());
            deny(ctx, request, HttpResponseStatus.FORBIDDEN, "blocked by this cache's drop rules");
            return;
        }
        boolean storable = nocache.firstMatch(request.url()) == null;
        ctx.fireChannelRead(request.admitted(origin, storable));
    }

    static boolean allowed(List<Cidr> blocks, InetAddress client) {
        for (Cidr block : blocks) {
            if (block.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /** host[:port] of an http URL, resolved when the origin client connects. */
    private static InetSocketAddress originOf(String authority) {
        int portStart = portStart(authority);
        String port = portStart < authority.length() ? authority.substring(portStart + 1) : "";
        return InetSocketAddress.createUnresolved(unbracket(authority.substring(0, portStart)),
                port.isEmpty() ? 80 : Integer.parseInt(port));
    }

    private InetSocketAddress accelerated(String authority) {
        InetSocketAddress origin = accelerate.get(authority.substring(0, portStart(authority)));
        return origin != null ? origin : accelerate.get("*");
    }

    /** Where ":port" starts in host[:port] (checked by the guard), or its length when there is none. */
    private static int portStart(String authority) {
        int hostEnd = authority.startsWith("[") ? authority.indexOf(']') + 1 : 0;
        int colon = authority.indexOf(':', hostEnd);
        return colon < 0 ? authority.length() : colon;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private void deny(ChannelHandlerContext ctx, ProxyRequest request, HttpResponseStatus status, String detail) {
        request.transaction().code = LogCode.TCP_DENIED;
        request.request().release();
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), status, detail, request.version(), request.keepAlive(), via));
    }
}
