package sibyl.node.store;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCounted;

/**
 * A complete response body held by a {@link BodyStore}, reference-counted: the cache index holds
 * one reference, and every response being served from it holds another, so that a body evicted
 * while it is sent is freed when the last transfer ends, never under it.
 */
public interface StoredBody extends ReferenceCounted {

    /** The body's length in bytes. */
    long length();

    /** Where the body is kept, for operators: {@code direct} (memory) or {@code pipe} (kernel pipes). */
    String engine();

    /**
     * Writes bytes {@code [offset, offset + length)} of the body through {@code ctx}, without
     * flushing, as one or more messages Netty's transports take as they are
     * ({@link io.netty.buffer.ByteBuf}s, or {@link io.netty.channel.FileRegion}s that splice into
     * the channel's socket when it is an epoll one). Call it on the channel's event loop. Each holds its own reference to the body's memory,
     * released when its write completes or fails, so the body may be dropped while they are sent.
     *
     * @throws IndexOutOfBoundsException if the range is not within the body
     */
    void writeRange(ChannelHandlerContext ctx, long offset, long length);

    @Override
    StoredBody retain();

    @Override
    StoredBody touch(Object hint);
}
