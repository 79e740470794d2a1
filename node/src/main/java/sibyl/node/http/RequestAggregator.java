package sibyl.node.http;

import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads a request's body whole, within two bounds: {@code http.max-request-body} for one
 * (413) and the node-wide {@link BodyBudget} for all of them (503, as the client may retry).
 * A declared Content-Length is checked and reserved before any of the body is read, a chunked
 * body chunk by chunk. A refused request goes on as a failed request, answered and logged like
 * any other; what is left of its body is discarded. A failed request from upstream (a refusal
 * of its own) replaces whatever was being read.
 */
final class RequestAggregator extends ChannelInboundHandlerAdapter {
    private final int maxBody;
    private final BodyBudget budget;
    private HttpRequest head;
    private CompositeByteBuf body;
    private long reserved;

    RequestAggregator(int maxBody, BodyBudget budget) {
        this.maxBody = maxBody;
        this.budget = budget;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof FullHttpRequest whole) {
            abandon();
            ctx.fireChannelRead(whole);
        } else if (message instanceof HttpRequest request) {
            start(ctx, request);
        } else if (message instanceof HttpContent content) {
            append(ctx, content);
        } else {
            ctx.fireChannelRead(message);
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest request) {
        abandon();
        if (request.decoderResult().isFailure()) {
            FullHttpRequest failed = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                    request.uri(), Unpooled.EMPTY_BUFFER);
            failed.headers().set(request.headers());
            failed.setDecoderResult(request.decoderResult());
            refused(ctx, failed);
            return;
        }
        long length = HttpUtil.getContentLength(request, -1L);
        if (length > maxBody) {
            refused(ctx, RefusedRequest.of(request, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "a request body of " + length + " bytes is over this node's limit of " + maxBody
                            + " (http.max-request-body)"));
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.strip())) {
            refused(ctx, RefusedRequest.of(request, HttpResponseStatus.EXPECTATION_FAILED,
                    "only Expect: 100-continue is understood"));
            return;
        }
        if (length > 0 && !budget.tryReserve(length)) {
            refused(ctx, busy(request));
            return;
        }
        reserved = Math.max(length, 0);
        head = request; // the body buffer is made for a body's first bytes: most requests have none
        if (expect != null) {
            request.headers().remove(HttpHeaderNames.EXPECT); // answered here, hop by hop
            ctx.writeAndFlush(new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }

    private void append(ChannelHandlerContext ctx, HttpContent content) {
        if (head == null) {
            content.release(); // the rest of a refused request
            return;
        }
        if (content.decoderResult().isFailure()) {
            FullHttpRequest failed = RefusedRequest.of(head, HttpResponseStatus.BAD_REQUEST,
                    "malformed request body: " + content.decoderResult().cause().getMessage());
            content.release();
            abandon();
            refused(ctx, failed);
            return;
        }
        int bytes = content.content().readableBytes();
        if (!HttpUtil.isContentLengthSet(head)) {
            if (bodyBytes() + (long) bytes > maxBody) {
                FullHttpRequest refusal = RefusedRequest.of(head, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "a chunked request body grew over this node's limit of " + maxBody + " bytes (http.max-request-body)");
                content.release();
                abandon();
                refused(ctx, refusal);
                return;
            }
            if (!budget.tryReserve(bytes)) {
                FullHttpRequest refusal = busy(head);
                content.release();
                abandon();
                refused(ctx, refusal);
                return;
            }
            reserved += bytes;
        }
        if (bytes > 0) {
            if (body == null) {
                body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            }
            body.addComponent(true, content.content().retain());
        }
        if (content instanceof LastHttpContent last) {
            finish(ctx, last);
        }
        content.release();
    }

    private void finish(ChannelHandlerContext ctx, LastHttpContent last) {
        HttpRequest request = head;
        if (!HttpUtil.isContentLengthSet(request)) {
            // Forwarded as one body now: its length is known and its chunking is gone.
            request.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            if (bodyBytes() > 0) {
                request.headers().set(HttpHeaderNames.CONTENT_LENGTH, bodyBytes());
            }
        }
        ReservedRequest whole = new ReservedRequest(request.protocolVersion(), request.method(), request.uri(),
                body == null ? Unpooled.EMPTY_BUFFER : body,
                request.headers(), last.trailingHeaders().isEmpty() ? EmptyHttpHeaders.INSTANCE : last.trailingHeaders().copy(),
                reserved);
        whole.setDecoderResult(DecoderResult.SUCCESS);
        head = null;
        body = null;
        reserved = 0;
        ctx.fireChannelRead(whole);
    }

    private int bodyBytes() {
        return body == null ? 0 : body.readableBytes();
    }

    private FullHttpRequest busy(HttpRequest request) {
        return RefusedRequest.of(request, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "request bodies in flight fill this node's " + budget.limit()
                        + " bytes (http.request-bodies-in-flight); retry later");
    }

    /** Passes a refusal on; with no head being read, the rest of the refused request is skipped. */
    private void refused(ChannelHandlerContext ctx, FullHttpRequest refusal) {
        ctx.fireChannelRead(refusal);
    }

    /** Drops a body being read, giving back what it held. */
    private void abandon() {
        if (head != null) {
            ReferenceCountUtil.release(body);
            budget.release(reserved);
            head = null;
            body = null;
            reserved = 0;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abandon();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        abandon();
    }
}
