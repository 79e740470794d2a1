package sibyl.node.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AbstractReferenceCounted;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bodies in direct (off-heap) memory. A body whose length is known up front (Content-Length)
 * gets one buffer of exactly that size; one of unknown length (chunked) gets buffers that double
 * from {@link #CHUNK} up to {@link #MAX_CHUNK}, so it needs few. Serving a range writes a
 * retained slice of each buffer it spans: the bytes are never copied again, and the heap holds
 * one small object per buffer sent, which for most bodies is one.
 *
 * <p>Memory comes from an unpooled direct allocator and goes back to the system when the last
 * reference to a body is released: a cache evicts in arbitrary order, which would leave a
 * pooled arena fragmented.
 */
public final class DirectBodyStore implements BodyStore {
    /** The first buffer of a body of unknown length. */
    static final int CHUNK = 64 * 1024;
    /** The largest buffer a body of unknown length grows to. */
    static final int MAX_CHUNK = 16 * 1024 * 1024;

    private final ByteBufAllocator allocator;
    private final long fillLimit;
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong bodies = new AtomicLong();
    /** Bytes allocated by bodies being filled: what {@code fillLimit} bounds. */
    private final AtomicLong filling = new AtomicLong();
    private final LongAdder fillRefused = new LongAdder();

    /** A store whose fills are not bounded, for tools and tests. */
    public DirectBodyStore() {
        this(Long.MAX_VALUE);
    }

    /**
     * @param fillLimit what bodies being filled may allocate together; a body that would go over
     *     is abandoned ({@link BodyWriter#write} says false) and counted
     */
    public DirectBodyStore(long fillLimit) {
        this(new UnpooledByteBufAllocator(true), fillLimit);
    }

    DirectBodyStore(ByteBufAllocator allocator, long fillLimit) {
        this.allocator = allocator;
        this.fillLimit = fillLimit;
    }

    @Override
    public BodyWriter open(long expectedLength) {
        return new Writer(expectedLength);
    }

    @Override
    public long bytesHeld() {
        return held.get();
    }

    /** Bodies held: stored, and not yet released by the last reader. */
    public long bodiesHeld() {
        return bodies.get();
    }

    /** Bytes allocated by bodies being filled. */
    public long bytesFilling() {
        return filling.get();
    }

    /** Bodies abandoned because fills in flight had no room for them. */
    public long fillsRefused() {
        return fillRefused.sum();
    }

    private boolean reserve(long bytes) {
        long now;
        do {
            now = filling.get();
            if (now + bytes > fillLimit) {
                return false;
            }
        } while (!filling.compareAndSet(now, now + bytes));
        return true;
    }

    private final class Writer implements BodyWriter {
        private CompositeByteBuf chunks;
        private ByteBuf current;
        private long written;
        private long remainingHint;
        private int lastChunk;
        /** What this body holds of the fill budget. */
        private long reserved;

        Writer(long expectedLength) {
            this.chunks = allocator.compositeDirectBuffer(Integer.MAX_VALUE);
            this.remainingHint = expectedLength;
        }

        @Override
        public boolean write(ByteBuf chunk) {
            if (chunks == null) {
                throw new IllegalStateException("body already finished or abandoned");
            }
            int index = chunk.readerIndex();
            int left = chunk.readableBytes();
            while (left > 0) {
                if (current == null || !current.isWritable()) {
                    addCurrent();
                    int wanted = nextChunkSize(left);
                    if (!reserve(wanted)) {
                        fillRefused.increment();
                        abandon();
                        return false;
                    }
                    reserved += wanted;
                    current = allocator.directBuffer(wanted, wanted);
                }
                int n = Math.min(left, current.writableBytes());
                current.writeBytes(chunk, index, n);
                index += n;
                left -= n;
                written += n;
                remainingHint = Math.max(0, remainingHint - n);
                held.addAndGet(n);
            }
            return true;
        }

        /**
         * The whole rest when the length is known. Otherwise the first piece's size (at least 4 KiB,
         * at most {@link #CHUNK}), so a small body wastes little, then double the last buffer.
         */
        private int nextChunkSize(int left) {
            if (remainingHint > 0) {
                return (int) Math.min(remainingHint, Integer.MAX_VALUE - 8);
            }
            lastChunk = lastChunk == 0 ? Math.min(Math.max(left, 4096), CHUNK) : Math.min(MAX_CHUNK, Math.max(CHUNK, lastChunk * 2));
            return lastChunk;
        }

        private void addCurrent() {
            if (current != null) {
                chunks.addComponent(true, current);
                current = null;
            }
        }

        @Override
        public long written() {
            return written;
        }

        @Override
        public StoredBody finish() {
            if (chunks == null) {
                throw new IllegalStateException("body already finished or abandoned");
            }
            addCurrent();
            Body body = new Body(chunks, written);
            bodies.incrementAndGet();
            chunks = null;
            unreserve(); // stored, it counts against cache.memory in the index instead
            return body;
        }

        @Override
        public void abandon() {
            if (chunks != null) {
                addCurrent();
                chunks.release();
                held.addAndGet(-written);
                chunks = null;
                unreserve();
            }
        }

        private void unreserve() {
            filling.addAndGet(-reserved);
            reserved = 0;
        }
    }

    private final class Body extends AbstractReferenceCounted implements StoredBody {
        private final CompositeByteBuf content;
        private final long length;

        Body(CompositeByteBuf content, long length) {
            this.content = content;
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public String engine() {
            return "direct";
        }

        @Override
        public void writeRange(ChannelHandlerContext ctx, long offset, long length) {
            Ranges.check(this.length, offset, length);
            // A slice per buffer, not one slice of the composite: the epoll transport adds a buffer to
            // its iovec array by memory address, while a composite would build NIO buffers for every
            // remaining one on each writev (heap garbage growing with the square of the body). No
            // promise per slice: a failed write closes the connection, which the caller hears of.
            for (ByteBuf chunk : content.decompose((int) offset, (int) length)) {
                ctx.write(chunk.retain(), ctx.voidPromise());
            }
        }

        @Override
        public StoredBody retain() {
            super.retain();
            return this;
        }

        @Override
        public StoredBody touch(Object hint) {
            content.touch(hint);
            return this;
        }

        @Override
        protected void deallocate() {
            // The content may outlive this body while slices of it are being written.
            content.release();
            held.addAndGet(-length);
            bodies.decrementAndGet();
        }
    }
}
