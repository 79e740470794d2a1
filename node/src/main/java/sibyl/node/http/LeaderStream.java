package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import sibyl.node.cache.CacheEntry;
import sibyl.node.origin.OriginExchange;

/**
 * The client a {@link Fetch} streams its response to as it arrives, if it has one (the leader):
 * what is written to it, and the origin held back while its connection cannot take more. Every
 * method does nothing once the leader is gone (or if there never was one). On the leader's loop.
 */
final class LeaderStream {
    private ClientResponse response;
    private boolean paused;

    /** @param response the leader's response, or null for a fetch nobody leads */
    LeaderStream(ClientResponse response) {
        this.response = response;
    }

    boolean present() {
        return response != null;
    }

    /** Whether the leader asked with HEAD: it gets the head alone, with the length announced. */
    boolean asksHead() {
        return response != null && HttpMethod.HEAD.equals(response.request().method());
    }

    /** The leader's connection closed: nothing more is written to it. */
    void gone() {
        response = null;
    }

    /** The origin may send again, if it was held back for the leader. */
    void resume(OriginExchange exchange) {
        if (paused && exchange != null) {
            paused = false;
            exchange.resume();
        }
    }

    /** An interim response (103, 102) passed on as it came; never stored, never given to waiters. */
    void interim(HttpResponse interim) {
        if (response != null) {
            response.interim(interim.status(), HopByHop.withoutHopByHop(interim.headers()));
        }
    }

    void head(HttpResponseStatus status, HttpHeaders headers, long contentLength, LogCode code, String hierarchy) {
        if (response != null) {
            response.head(status, headers, contentLength, code, hierarchy);
        }
    }

    /**
     * Hands the rest of the body to the kernel, spliced from the origin's socket into the
     * leader's: for a body that will not be stored, of at least {@code minBytes} (-1: never).
     */
    boolean splice(OriginExchange exchange, long contentLength, long minBytes) {
        return response != null && minBytes >= 0 && contentLength >= minBytes && !asksHead()
                && exchange.spliceBodyTo(response.channel());
    }

    /** {@code bytes} went to the leader by splice. */
    void spliced(long bytes) {
        if (response != null) {
            response.spliced(bytes);
        }
    }

    /**
     * Writes a piece of the body (not taking {@code bytes} over); holds the origin back, unless
     * it was the {@code last}, while the leader's connection cannot take more.
     */
    void content(ByteBuf bytes, boolean last, OriginExchange exchange) {
        if (response != null && bytes.isReadable() && !response.content(bytes.retain()) && !last) {
            paused = true;
            exchange.pause();
        }
    }

    void end() {
        if (response != null) {
            response.end();
        }
    }

    /** Serves {@code entry} instead of the origin's response; takes over a reference to its body if there is a leader. */
    void serve(CacheEntry entry, LogCode code, String hierarchy) {
        if (response != null) {
            entry.body().retain();
            response.request().transaction().hierarchy = hierarchy;
            response.serve(entry, code);
        }
    }

    /** The response cannot be had: an error, or a cut if its head went out already. */
    void failed(HttpResponseStatus status, String detail, LogCode code, String hierarchy) {
        if (response == null) {
            return;
        }
        if (response.headSent()) {
            response.cutShort();
        } else {
            response.error(status, detail, code);
            response.request().transaction().hierarchy = hierarchy;
        }
    }
}
