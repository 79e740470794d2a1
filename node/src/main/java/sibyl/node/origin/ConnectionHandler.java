package sibyl.node.origin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * Routes one origin connection's events to the exchange using it, if any: the decoded response
 * from after the HTTP codec, and (through {@link #bytes}, before the codec) whether any byte of
 * it came at all, which decides whether a dead reused connection may be retried.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final OriginStats stats;
    /** This connection's response decoder, which goes before this handler. */
    final ResponseDecoder decoder = new ResponseDecoder();
    Exchange exchange;

    /**
     * Goes before the decoder: marks the exchange as answered from the first byte, decoded or
     * not; and closes an idle connection the origin sends anything but line ends on (the
     * decoder would keep an incomplete line for the next exchange to trip over).
     */
    final ChannelInboundHandler bytes = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            Exchange current = exchange;
            if (current != null) {
                current.bytesSeen = true;
            } else if (message instanceof ByteBuf data && ctx.channel().isActive()
                    && data.forEachByte(b -> b == '\r' || b == '\n') >= 0) {
                data.release();
                unsolicited(ctx.channel());
                ctx.close();
                return;
            }
            ctx.fireChannelRead(message);
        }
    };

    /** An interim response was just decoded: the empty last content that follows is its end, not the response's. */
    private boolean interimEnd;

    ConnectionHandler(OriginStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        Exchange current = exchange;
        if (current == null || !(message instanceof HttpObject object)) {
            ReferenceCountUtil.release(message);
            if (current == null && ctx.channel().isActive()) {
                unsolicited(ctx.channel());
                ctx.close();
            }
            return;
        }
        if (object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(message);
            current.onUndecodable(object.decoderResult().cause());
            return;
        }
        if (object instanceof HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL && response.status().code() != 101) {
                interimEnd = true; // the decoder ends it with an empty last content of its own
                current.onInterim(response); // the final response is still to come
                return;
            }
            current.onHead(response);
        }
        if (interimEnd && object instanceof LastHttpContent end) {
            interimEnd = false;
            end.release();
            return;
        }
        if (object instanceof HttpContent content) {
            current.onContent(content);
        }
    }

    /**
     * The origin spoke out of turn (more than its Content-Length said, or while idle): the
     * connection cannot be trusted with another response; the caller closes it.
     */
    void unsolicited(io.netty.channel.Channel channel) {
        stats.unsolicited.increment();
        stats.log.warn("origin " + channel.remoteAddress() + " sent data past the end of its response"
                + " (a body longer than its Content-Length?) or while idle; its connection is closed");
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange current = exchange;
        if (current != null) {
            current.readComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange current = exchange;
        if (current != null) {
            current.onBroken(new IOException("the origin closed the connection"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        Exchange current = exchange;
        if (current == null) {
            // Idle in the pool that long: close it before the origin does, mid-request.
            ctx.close();
        } else if (ctx.channel().config().isAutoRead() && current.quietSinceLastIdle()) {
            current.onIdle(); // a paused exchange waits for its client, not for the origin
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange current = exchange;
        if (current != null) {
            current.onBroken(cause);
        }
        ctx.close();
    }
}
