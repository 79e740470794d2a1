package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import sibyl.config.HttpLimits;

/**
 * The header timeout and the minimum body rate of one connection: a request head must arrive
 * whole within {@code headerTimeout} of its first byte, and a body must average
 * {@code minBodyRate} bytes a second over each {@link HttpLimits#RATE_WINDOW}; otherwise the
 * request is refused with 408 and the connection closed. So a client trickling bytes to hold a
 * connection (slowloris) holds it seconds, not the idle timeout.
 *
 * <p>It watches from two places in the pipeline: {@link #bytes()}, before the decoder, sees a
 * head begin; {@link #requests()}, after it, sees heads and bodies end. Time the node spends
 * not reading (its own pause for pipelined requests) does not count. At most one timer is
 * pending per connection, and none while it idles between requests.
 */
final class ReadDeadlines {
    private enum State { BETWEEN, HEAD, BODY, REFUSED }

    private final long headerTimeoutNanos;
    private final long minBodyRate;
    private final long windowNanos = HttpLimits.RATE_WINDOW.toNanos();
    private State state = State.BETWEEN;
    /** When the head or the current body window began. */
    private long since;
    private long bodyBytes;
    private HttpRequest head;
    /**
     * The pending check, if any; cancelled when the connection closes: a timer left in the
     * event loop's queue would keep the connection's whole pipeline alive until it fired (up to
     * the header timeout), and a flood of short connections would pile pipelines up by the
     * hundred thousand.
     */
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext requests;

    ReadDeadlines(Duration headerTimeout, long minBodyRate) {
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.minBodyRate = minBodyRate;
    }

    /** The handler that goes before the request decoder. */
    ChannelHandler bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (state == State.BETWEEN && message instanceof ByteBuf bytes && bytes.isReadable()) {
                    state = State.HEAD;
                    since = System.nanoTime();
                    arm(ctx, headerTimeoutNanos);
                }
                ctx.fireChannelRead(message);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (timer != null) {
                    timer.cancel(false);
                    timer = null;
                }
                ctx.fireChannelInactive();
            }
        };
    }

    /** The handler that goes after the request decoder. */
    ChannelHandler requests() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                requests = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (message instanceof FullHttpRequest) {
                    ctx.fireChannelRead(message); // a refusal made upstream
                    return;
                }
                if (state == State.REFUSED) {
                    ReferenceCountUtil.release(message);
                    return;
                }
                if (message instanceof HttpRequest request) {
                    head = request;
                    state = State.BODY;
                    since = System.nanoTime();
                    bodyBytes = 0;
                    if (minBodyRate > 0 && (HttpUtil.isContentLengthSet(request) || HttpUtil.isTransferEncodingChunked(request))) {
                        arm(ctx, windowNanos);
                    }
                }
                if (message instanceof HttpContent content) {
                    bodyBytes += content.content().readableBytes();
                    if (message instanceof LastHttpContent) {
                        state = State.BETWEEN;
                        head = null;
                    }
                }
                ctx.fireChannelRead(message);
            }
        };
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        if (timer == null && ctx.channel().isActive()) {
            timer = ctx.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        timer = null;
        if (!requests.channel().isActive() || state == State.BETWEEN || state == State.REFUSED) {
            return;
        }
        long now = System.nanoTime();
        if (!requests.channel().config().isAutoRead()) {
            since = now; // the node is not reading: the client is not to blame
            bodyBytes = 0;
            arm(requests, state == State.HEAD ? headerTimeoutNanos : windowNanos);
            return;
        }
        long elapsed = now - since;
        if (state == State.HEAD) {
            if (elapsed < headerTimeoutNanos) {
                arm(requests, headerTimeoutNanos - elapsed);
            } else {
                refuse(RefusedRequest.unread("request-header-timeout", HttpResponseStatus.REQUEST_TIMEOUT,
                        "the request head did not arrive whole within " + Duration.ofNanos(headerTimeoutNanos).toSeconds()
                                + " s (http.header-timeout)"));
            }
        } else if (minBodyRate > 0) {
            if (elapsed < windowNanos) {
                arm(requests, windowNanos - elapsed);
            } else if (bodyBytes * 1_000_000_000L / elapsed < minBodyRate) {
                refuse(RefusedRequest.of(head, HttpResponseStatus.REQUEST_TIMEOUT, "the request body arrived at "
                        + bodyBytes * 1_000_000_000L / elapsed + " bytes/s, under this node's minimum of " + minBodyRate
                        + " (http.min-body-rate)"));
            } else {
                since = now;
                bodyBytes = 0;
                arm(requests, windowNanos);
            }
        }
    }

    private void refuse(FullHttpRequest refusal) {
        state = State.REFUSED;
        head = null;
        requests.channel().config().setAutoRead(false);
        requests.fireChannelRead(refusal);
    }
}
