package sibyl.node.store;

import io.netty.util.ReferenceCounted;

/**
 * A complete response body held by a {@link BodyStore}, reference-counted: the cache index holds
 * one reference, and every response being served from it holds another, so that a body evicted
 * while it is sent is freed when the last transfer ends, never under it.
 */
public interface StoredBody extends ReferenceCounted {

    /** The body's length in bytes. */
    long length();

    /**
     * A message Netty can write (a {@link io.netty.buffer.ByteBuf} or a
     * {@link io.netty.channel.FileRegion}) carrying bytes {@code [offset, offset + length)} of
     * the body. It holds its own reference to the body's memory, released when the write
     * completes or fails; the caller writes it exactly once.
     *
     * @throws IndexOutOfBoundsException if the range is not within the body
     */
    Object retainedRange(long offset, long length);

    @Override
    StoredBody retain();

    @Override
    StoredBody touch(Object hint);
}
