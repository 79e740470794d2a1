package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Clock;
import sibyl.node.cache.CacheEntry;
import sibyl.node.store.StoredBody;

/**
 * The response to one client request, written to its connection: either streamed from an origin
 * ({@link #head}, {@link #content}, {@link #end}) or served from a stored entry ({@link #serve}),
 * or an error. Used on the client connection's event loop.
 */
final class ClientResponse {
    private final ChannelHandlerContext ctx;
    private final ProxyRequest request;
    private final Via via;
    private final Clock clock;
    private boolean headSent;
    private boolean bodiless;
    private boolean done;

    ClientResponse(ChannelHandlerContext ctx, ProxyRequest request, Via via, Clock clock) {
        this.ctx = ctx;
        this.request = request;
        this.via = via;
        this.clock = clock;
    }

    ProxyRequest request() {
        return request;
    }

    boolean headSent() {
        return headSent;
    }

    /** The client's connection, for splicing an origin's body into. */
    io.netty.channel.Channel channel() {
        return ctx.channel();
    }

    /** {@code bytes} of the body went into the client's socket by splice, past the pipeline. */
    void spliced(long bytes) {
        request.transaction().bytesOut += bytes;
    }

    /**
     * Passes on an origin's interim response (103 Early Hints, 102 Processing) before the final
     * one: not to an HTTP/1.0 client, which cannot read it (RFC 9110 section 15.2), nor a 100
     * Continue, which answered this node's own request.
     */
    void interim(HttpResponseStatus status, HttpHeaders headers) {
        if (headSent || done || status.code() == 100 || request.version().minorVersion() < 1) {
            return;
        }
        HttpHeaders out = headers.copy();
        out.remove(HttpHeaderNames.CONTENT_LENGTH);
        out.remove(HttpHeaderNames.TRANSFER_ENCODING);
        via.add(out, HttpVersion.HTTP_1_1);
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER, out,
                EmptyHttpHeaders.INSTANCE));
    }

    /**
     * Starts a response from the origin.
     *
     * @param headers the origin's fields without hop-by-hop ones; copied, not changed
     * @param contentLength the body's length, or -1 when the origin did not say
     */
    void head(HttpResponseStatus status, HttpHeaders headers, long contentLength, LogCode code, String hierarchy) {
        HttpHeaders out = headers.copy();
        bodiless = HttpMethod.HEAD.equals(request.method()) || status.code() == 204 || status.code() == 304
                || status.codeClass() == HttpStatusClass.INFORMATIONAL;
        via.add(out, HttpVersion.HTTP_1_1);
        via.xCache(out, false);
        Framing.apply(out, request.version(), request.keepAlive(), contentLength, bodiless);
        Transaction transaction = request.transaction();
        transaction.code = code;
        transaction.hierarchy = hierarchy;
        headSent = true;
        ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, out));
    }

    /**
     * Writes a piece of the origin's body (ownership passes here).
     *
     * @return whether the connection can take more now; if not, the caller should pause the
     *     origin until {@link CacheHandler} says it is writable again
     */
    boolean content(ByteBuf chunk) {
        if (bodiless || done || !chunk.isReadable()) {
            chunk.release();
            return true;
        }
        ctx.writeAndFlush(new DefaultHttpContent(chunk));
        return ctx.channel().isWritable();
    }

    /** Ends a response streamed from the origin. */
    void end() {
        if (!done) {
            done = true;
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** Answers with the node's own error response. */
    void error(HttpResponseStatus status, String detail, LogCode code) {
        if (done) {
            return;
        }
        done = true;
        request.transaction().code = code;
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), status, detail, request.version(), request.keepAlive(), via));
    }

    /**
     * The origin's response under way cannot be completed: closing the connection is the only
     * honest end. The access log blames the origin, not the client, if the client was still there.
     */
    void cutShort() {
        done = true;
        // Unless the client is gone already: then it left first, and the log says _ABORTED.
        request.transaction().originFault = ctx.channel().isActive();
        ctx.close();
    }

    /**
     * Starts a 206 answered from slices ({@link SlicedRange}): the first slice's stored fields, its
     * Age, and bytes {@code first}-{@code last} of a {@code total}-byte representation. The
     * parts follow ({@link #part}), then {@link #end}.
     */
    void partial(CacheEntry firstSlice, long first, long last, long total, LogCode code) {
        HttpHeaders out = firstSlice.headers().copy();
        out.set("Age", firstSlice.freshness().currentAgeSeconds(clock.millis()));
        out.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + total);
        via.add(out, HttpVersion.HTTP_1_1);
        via.xCache(out, code != LogCode.TCP_MISS);
        Framing.apply(out, request.version(), request.keepAlive(), last - first + 1, false);
        request.transaction().code = code;
        headSent = true;
        ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT, out));
    }

    /**
     * Writes bytes {@code [offset, offset + length)} of a slice into the response {@link #partial}
     * began, taking over the reference to {@code body}; the future completes once they are written.
     */
    ChannelFuture part(StoredBody body, long offset, long length) {
        try {
            body.writeRange(ctx, offset, length);
            return ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
        } finally {
            body.release();
        }
    }

    /**
     * Answers 416 for a range that starts past the end of a {@code total}-byte representation,
     * which {@code slice} (whose reference this takes over) is part of.
     */
    void unsatisfiable(CacheEntry slice, long total) {
        try {
            done = true;
            HttpHeaders out = slice.headers().copy();
            out.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + total);
            via.add(out, HttpVersion.HTTP_1_1);
            via.xCache(out, true);
            Framing.apply(out, request.version(), request.keepAlive(), 0, true);
            request.transaction().code = LogCode.TCP_MEM_HIT;
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    out));
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } finally {
            slice.body().release();
        }
    }

    /**
     * Serves a stored entry, answering the request's conditional and range fields from it. Takes
     * over the entry's body reference.
     */
    void serve(CacheEntry entry, LogCode code) {
        try {
            done = true;
            HttpHeaders out = entry.headers().copy();
            out.set("Age", entry.freshness().currentAgeSeconds(clock.millis()));
            via.add(out, HttpVersion.HTTP_1_1);
            via.xCache(out, true);
            HttpResponseStatus status = HttpResponseStatus.valueOf(entry.status());
            long length = entry.body().length();
            long offset = 0;
            boolean head = HttpMethod.HEAD.equals(request.method());
            boolean bodilessNow = head || entry.status() == 204;
            Transaction transaction = request.transaction();
            transaction.code = code;
            HttpHeaders requestHeaders = request.headers();
            if (entry.status() == 200 && Conditionals.notModified(requestHeaders, entry.headers())) {
                status = HttpResponseStatus.NOT_MODIFIED;
                Conditionals.keepNotModifiedFields(out);
                bodilessNow = true;
                length = -1;
                if (code == LogCode.TCP_MEM_HIT) {
                    transaction.code = requestHeaders.contains(HttpHeaderNames.IF_NONE_MATCH)
                            ? LogCode.TCP_INM_HIT : LogCode.TCP_IMS_HIT;
                }
            } else if (entry.status() == 200 && Conditionals.rangeApplies(requestHeaders, entry.headers())) {
                long[] range = Conditionals.byteRange(requestHeaders.get(HttpHeaderNames.RANGE), length);
                if (range == Conditionals.UNSATISFIABLE) {
                    status = HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE;
                    out.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
                    bodilessNow = true;
                    length = 0;
                } else if (range != null) {
                    status = HttpResponseStatus.PARTIAL_CONTENT;
                    out.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + range[0] + "-" + (range[0] + range[1] - 1) + "/" + length);
                    offset = range[0];
                    length = range[1];
                }
            }
            Framing.apply(out, request.version(), request.keepAlive(), length, bodilessNow);
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, out));
            if (!bodilessNow && length > 0) {
                entry.body().writeRange(ctx, offset, length);
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } finally {
            entry.body().release();
        }
    }
}
