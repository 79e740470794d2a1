package sibyl.node.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bodies in direct (off-heap) memory, in chunks of at most {@link #CHUNK} bytes so that a large
 * body needs no single huge allocation. Serving a range gives a retained slice: the bytes are
 * never copied again, and the heap holds only small buffer objects, not body bytes.
 *
 * <p>Memory comes from an unpooled direct allocator and goes back to the system when the last
 * reference to a body is released: a cache evicts in arbitrary order, which would leave a
 * pooled arena fragmented.
 */
public final class DirectBodyStore implements BodyStore {
    static final int CHUNK = 256 * 1024;

    private final ByteBufAllocator allocator;
    private final AtomicLong held = new AtomicLong();

    public DirectBodyStore() {
        this(new UnpooledByteBufAllocator(true));
    }

    DirectBodyStore(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public BodyWriter open(long expectedLength) {
        return new Writer(expectedLength);
    }

    @Override
    public long bytesHeld() {
        return held.get();
    }

    private final class Writer implements BodyWriter {
        private CompositeByteBuf chunks;
        private ByteBuf current;
        private long written;
        private long remainingHint;

        Writer(long expectedLength) {
            this.chunks = allocator.compositeDirectBuffer(Integer.MAX_VALUE);
            this.remainingHint = expectedLength;
        }

        @Override
        public void write(ByteBuf chunk) {
            if (chunks == null) {
                throw new IllegalStateException("body already finished or abandoned");
            }
            int index = chunk.readerIndex();
            int left = chunk.readableBytes();
            while (left > 0) {
                if (current == null || !current.isWritable()) {
                    addCurrent();
                    long wanted = remainingHint > 0 ? Math.min(remainingHint, CHUNK) : Math.min(Math.max(left, 4096), CHUNK);
                    current = allocator.directBuffer((int) wanted, (int) wanted);
                }
                int n = Math.min(left, current.writableBytes());
                current.writeBytes(chunk, index, n);
                index += n;
                left -= n;
                written += n;
                remainingHint = Math.max(0, remainingHint - n);
                held.addAndGet(n);
            }
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
            chunks = null;
            return body;
        }

        @Override
        public void abandon() {
            if (chunks != null) {
                addCurrent();
                chunks.release();
                held.addAndGet(-written);
                chunks = null;
            }
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
        public Object retainedRange(long offset, long length) {
            if (offset < 0 || length < 0 || offset + length > this.length) {
                throw new IndexOutOfBoundsException("range " + offset + "+" + length + " of a " + this.length + "-byte body");
            }
            // The slice holds a reference to the content; this body's own count stays as it is.
            return content.retainedSlice((int) offset, (int) length);
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
        }
    }
}
