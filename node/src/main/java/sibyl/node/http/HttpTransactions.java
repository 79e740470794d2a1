package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One request at a time per connection, and what happens when its response ends: the handlers
 * after this one see a request only once the previous response is written (pipelined requests
 * wait here; at {@code http.max-pipelined} of them the connection is not read until one is
 * answered), a request body's share of the {@link BodyBudget} is given back, the access log and
 * the counters get the transaction, and the connection is closed if the response said
 * {@code Connection: close} or kept for the next request.
 *
 * <p>It learns everything from what is written: the status and framing from the response head,
 * the size from the content, the end from the {@link LastHttpContent}'s promise. So every
 * handler answers the same way, by writing a response, and never closes the connection itself
 * unless it must cut a response short.
 */
final class HttpTransactions extends ChannelDuplexHandler {
    private static final String HEAD = HttpMethod.HEAD.name();

    private final AccessLog accessLog;
    private final HttpStats stats;
    private final BodyBudget bodies;
    private final int maxPipelined;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
    private Transaction current;
    private boolean closeAfter;
    /** Whether reading stopped because {@code maxPipelined} requests wait. */
    private boolean paused;

    HttpTransactions(AccessLog accessLog, HttpStats stats, BodyBudget bodies, int maxPipelined) {
        this.accessLog = accessLog;
        this.stats = stats;
        this.bodies = bodies;
        this.maxPipelined = maxPipelined;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (!(message instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(message);
            return;
        }
        if (!ctx.channel().isActive()) {
            // Decoded from bytes read before the connection closed (the aggregator closes it
            // after a 417, say): nobody is left to answer, so it must not reach the cache and
            // the origin.
            bodies.release(ReservedRequest.reservedBy(request));
            ReferenceCountUtil.release(request);
            return;
        }
        if (current != null || closeAfter) {
            waiting.add(request);
            if (waiting.size() >= maxPipelined && !paused) {
                // A client that sends and never reads holds this many requests, not all it sends.
                paused = true;
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        begin(ctx, request);
    }

    private void begin(ChannelHandlerContext ctx, FullHttpRequest request) {
        String client = ctx.channel().remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
        current = new Transaction(client, request.method().name(), request.uri());
        current.reservedBodyBytes = ReservedRequest.reservedBy(request);
        stats.inFlight.incrementAndGet();
        ctx.channel().attr(Transaction.KEY).set(current);
        ctx.fireChannelRead(request);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        Transaction transaction = current;
        if (transaction == null) {
            ctx.write(message, promise);
            return;
        }
        if (message instanceof FullHttpResponse interim && interim.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            // An origin's 103 passed on: the transaction's response is still to come.
            transaction.bytesOut += headBytes(interim);
            ctx.write(message, promise);
            return;
        }
        if (message instanceof FullHttpResponse full && full.content().isReadable()
                && transaction.method.equals(HEAD)) {
            // A response to HEAD ends with its head (RFC 9110 section 9.3.2). The node's own
            // answers (errors, refusals) are written whole whatever the method: a body sent
            // after the head would be read by the client as the start of the next response.
            FullHttpResponse head = full.replace(Unpooled.EMPTY_BUFFER);
            full.release();
            message = head;
        }
        if (message instanceof HttpResponse response) {
            transaction.status = response.status().code();
            String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
            transaction.contentType = type == null ? "-" : type.replace(' ', '+');
            transaction.bytesOut += headBytes(response);
            closeAfter = response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        }
        if (message instanceof HttpContent content) {
            transaction.bytesOut += content.content().readableBytes();
        } else if (message instanceof ByteBuf bytes) {
            transaction.bytesOut += bytes.readableBytes();
        } else if (message instanceof FileRegion region) {
            transaction.bytesOut += region.count();
        }
        if (message instanceof LastHttpContent) {
            ctx.write(message, promise.unvoid()).addListener(written -> end(ctx, transaction, written.isSuccess()));
        } else {
            ctx.write(message, promise);
        }
    }

    /** The response head's size as the encoder writes it: status line, fields, blank line. */
    private static long headBytes(HttpResponse response) {
        long bytes = 9 + response.status().codeAsText().length() + 1 + response.status().reasonPhrase().length() + 2 + 2;
        for (Map.Entry<String, String> field : response.headers()) {
            bytes += field.getKey().length() + 2 + field.getValue().length() + 2;
        }
        return bytes;
    }

    private void end(ChannelHandlerContext ctx, Transaction transaction, boolean written) {
        if (transaction != current) {
            return;
        }
        transaction.aborted = !written;
        finish(transaction);
        if (closeAfter || !written) {
            ctx.close();
            return;
        }
        FullHttpRequest next = waiting.poll();
        if (paused && waiting.size() < maxPipelined) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
        if (next != null) {
            begin(ctx, next);
        }
    }

    private void finish(Transaction transaction) {
        current = null;
        bodies.release(transaction.reservedBodyBytes);
        stats.inFlight.decrementAndGet();
        long elapsedNanos = System.nanoTime() - transaction.startNanos; // read once, for the log and the histogram
        accessLog.record(transaction, elapsedNanos);
        stats.record(transaction, elapsedNanos);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Transaction transaction = current;
        if (transaction != null) {
            transaction.aborted = true;
            finish(transaction);
        }
        FullHttpRequest request;
        while ((request = waiting.poll()) != null) {
            bodies.release(ReservedRequest.reservedBy(request));
            ReferenceCountUtil.release(request);
        }
        ctx.fireChannelInactive();
    }

    private static boolean hasUnsentOutput(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer output = ctx.channel().unsafe().outboundBuffer();
        return output != null && !output.isEmpty();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (current == null) {
                ctx.close(); // a kept-alive connection nobody uses
            } else if (hasUnsentOutput(ctx)) {
                // No byte of it moved for the idle timeout: a client that stopped reading its
                // response. The transaction ends aborted.
                ctx.close();
            }
            return; // otherwise a response is on its way: the origin's own timeouts bound the wait
        }
        ctx.fireUserEventTriggered(event);
    }
}
