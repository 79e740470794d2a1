package sibyl.node.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.splice.Pipe;
import sibyl.node.splice.PipeLimits;
import sibyl.node.splice.Splice;
import sibyl.node.splice.SpliceException;

/**
 * Bodies in kernel pipes: a body is cut into pieces of {@code pipeBytes} (the last one smaller),
 * each filled with write(2) into a pipe of its own whose write end is then closed, so a stored
 * pipe costs one descriptor. A hit tees each piece into a scratch pipe and splices that into the
 * client's socket ({@link PipeTransfer}): the bytes never come back to user space, and tee leaves
 * the stored pipe as it was for the next hit.
 *
 * <p>The kernel rations pipes: pages per user ({@code fs.pipe-user-pages-soft}, beyond which a
 * pipe cannot grow) and descriptors per process (RLIMIT_NOFILE). The store takes a body only
 * within its {@link PipeBudget}, and says no ({@link #tryOpen} returns null) otherwise, or when
 * the kernel refuses a pipe anyway (another process of the same user holds the pages): the body
 * then goes elsewhere.
 */
public final class PipeBodyStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipeBodyStore.class);

    private final Splice splice;
    private final int pageSize;
    private final int pipeBytes;
    private final PipeBudget budget;
    private final ScratchPipes scratch;
    /**
     * Serve hits that get no scratch pipe: teed in and read into memory at once, so each is held
     * for one copy only, and as many are open as hits copy at once (one per event loop at most).
     */
    private final ScratchPipes copies;
    private final int devNull;
    /** More than event loops ever copy at once. */
    private static final int MAX_COPY_PIPES = 64;
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong bodies = new AtomicLong();
    private final LongAdder refused = new LongAdder();
    private final LongAdder copied = new LongAdder();
    private volatile boolean kernelRefusalLogged;

    /**
     * @param memoryBytes what stored pipes may hold together, in bytes (rounded down to pages)
     * @param pipeBytes the size of each stored pipe (a power-of-two number of pages, at most
     *     {@link PipeLimits#maxPipeBytes()}); a larger body takes several
     * @param transfers scratch pipes: hits spliced at once; more are served by copying
     * @param descriptors file descriptors the store may hold: stored pipes, scratch pipes, the rest
     * @throws SpliceException if the pipes it needs from the start cannot be had
     */
    public PipeBodyStore(Splice splice, PipeLimits limits, long memoryBytes, int pipeBytes, int transfers,
            long descriptors) throws SpliceException {
        if (pipeBytes % limits.pageSize() != 0 || Integer.bitCount(pipeBytes / limits.pageSize()) != 1
                || pipeBytes > limits.maxPipeBytes()) {
            throw new IllegalArgumentException("a pipe of " + pipeBytes + " bytes is not a power-of-two number of "
                    + limits.pageSize() + "-byte pages up to fs.pipe-max-size (" + limits.maxPipeBytes() + ")");
        }
        this.splice = splice;
        this.pageSize = limits.pageSize();
        this.pipeBytes = pipeBytes;
        // /dev/null is taken out of the descriptor budget up front.
        this.budget = new PipeBudget(memoryBytes / pageSize, descriptors - 1);
        this.scratch = new ScratchPipes(splice, pipeBytes, transfers, budget);
        this.copies = new ScratchPipes(splice, pipeBytes, MAX_COPY_PIPES, budget);
        this.devNull = splice.openDevNull();
    }

    /**
     * Starts a body of exactly {@code length} bytes in pipes, or returns null when the budget or
     * the kernel says no.
     */
    public BodyWriter tryOpen(long length) {
        int pieces = (int) ((length + pipeBytes - 1) / pipeBytes);
        long lastBytes = length - (long) (pieces - 1) * pipeBytes;
        int lastCapacity = pieces == 0 ? 0 : pipeCapacity(lastBytes);
        long pages = pieces == 0 ? 0 : ((long) (pieces - 1) * pipeBytes + lastCapacity) / pageSize;
        if (!budget.tryTake(pages, 2L * pieces)) {
            refused.increment();
            return null;
        }
        int[] readFds = new int[pieces];
        int[] writeFds = new int[pieces];
        int made = 0; // pipes made so far: all closed again if one fails, the one being resized included
        try {
            while (made < pieces) {
                int capacity = made == pieces - 1 ? lastCapacity : pipeBytes;
                Pipe pipe = splice.pipe();
                readFds[made] = pipe.readFd();
                writeFds[made] = pipe.writeFd();
                made++;
                if (splice.resize(pipe, capacity) < capacity) {
                    throw new SpliceException.Shortfall("fcntl(F_SETPIPE_SZ, " + capacity + ")");
                }
            }
        } catch (SpliceException e) {
            for (int i = 0; i < made; i++) {
                closeQuietly(readFds[i]);
                closeQuietly(writeFds[i]);
            }
            budget.give(pages, 2L * pieces);
            refused.increment();
            if (!kernelRefusalLogged) {
                kernelRefusalLogged = true;
                log.warn("the kernel refused a pipe ({}): this body and others like it go to direct memory. Is "
                        + "fs.pipe-user-pages-soft shared with other processes of this user? (said once)", e.getMessage());
            }
            return null;
        }
        return new Writer(length, readFds, writeFds, lastCapacity, pages);
    }

    /** The pipe size for {@code bytes}: pages, rounded up to a power of two. */
    private int pipeCapacity(long bytes) {
        long pages = Math.max(1, (bytes + pageSize - 1) / pageSize);
        long powerOfTwo = Long.highestOneBit(pages);
        return (int) ((powerOfTwo < pages ? powerOfTwo << 1 : powerOfTwo) * pageSize);
    }

    /** Bytes of bodies held in pipes. */
    public long bytesHeld() {
        return held.get();
    }

    /** Bodies held in pipes: stored, and not yet freed by the last reader. */
    public long bodiesHeld() {
        return bodies.get();
    }

    /** Pipe pages held by stored bodies. */
    public long pagesHeld() {
        return budget.pages();
    }

    /** Descriptors held: stored pipes, scratch and copy pipes, and /dev/null. */
    public long descriptorsHeld() {
        return budget.descriptors() + 1;
    }

    /** Bodies that could not have pipes (budget or kernel) and were stored elsewhere. */
    public long refused() {
        return refused.sum();
    }

    /** Hits served by copying out of their pipes, since no scratch pipe was free or the channel was not epoll's. */
    public long copiedTransfers() {
        return copied.sum();
    }

    @Override
    public void close() {
        scratch.close();
        copies.close();
        closeQuietly(devNull);
    }

    Splice splice() {
        return splice;
    }

    int pipeBytes() {
        return pipeBytes;
    }

    ScratchPipes scratch() {
        return scratch;
    }

    int devNull() {
        return devNull;
    }

    ScratchPipes copies() {
        return copies;
    }

    void countCopy() {
        copied.increment();
    }

    /** A body's pipes are closed: its pages and descriptors go back to the budget. */
    void freed(long length, long pages, int descriptors) {
        held.addAndGet(-length);
        bodies.decrementAndGet();
        budget.give(pages, descriptors);
    }

    /**
     * Empties {@code pipe} into /dev/null, whatever it holds; false if that failed (then close it).
     * A pipe is only ever reused empty: leftovers would go out at the head of another response.
     */
    boolean empty(Pipe pipe) {
        try {
            while (true) {
                long n = splice.splice(pipe.readFd(), devNull, Integer.MAX_VALUE, 0);
                if (n == Splice.AGAIN) {
                    return true; // nothing left, the write end still open
                }
                if (n == 0) {
                    return false;
                }
            }
        } catch (SpliceException e) {
            log.debug("emptying a pipe: {}", e.getMessage());
            return false;
        }
    }

    void closeQuietly(int fd) {
        try {
            splice.close(fd);
        } catch (SpliceException e) {
            log.warn("closing pipe descriptor {}: {}", fd, e.getMessage());
        }
    }

    /**
     * Fills the pieces in order with whole pages: a write(2) of a partial page leaves that page
     * part-empty in the pipe, and a pipe holds a number of pages, not of bytes. So bytes short of
     * a page wait in {@code page} until it is full or the piece ends.
     */
    private final class Writer implements BodyWriter {
        private final long expected;
        private final int[] readFds;
        private final int[] writeFds;
        private final int lastCapacity;
        private final long pages;
        private final ByteBuf page = Unpooled.directBuffer(pageSize, pageSize);
        private int piece;
        private int pieceFill;
        private long written;
        private boolean done;

        Writer(long expected, int[] readFds, int[] writeFds, int lastCapacity, long pages) {
            this.expected = expected;
            this.readFds = readFds;
            this.writeFds = writeFds;
            this.lastCapacity = lastCapacity;
            this.pages = pages;
        }

        @Override
        public boolean write(ByteBuf chunk) {
            if (done) {
                throw new IllegalStateException("body already finished or abandoned");
            }
            int length = chunk.readableBytes();
            if (written + length > expected) {
                abandon(); // longer than its Content-Length said: not this store's to hold
                return false;
            }
            ByteBuf source = chunk.hasMemoryAddress() ? chunk : Unpooled.directBuffer(length).writeBytes(chunk, chunk.readerIndex(), length);
            try {
                append(source.memoryAddress() + source.readerIndex(), length, source);
                written += length;
                held.addAndGet(length);
                return true;
            } catch (SpliceException e) {
                log.warn("writing a body into its pipes failed ({}): not stored", e.getMessage());
                abandon();
                return false;
            } finally {
                if (source != chunk) {
                    source.release();
                }
            }
        }

        private void append(long address, int length, ByteBuf source) throws SpliceException {
            int index = 0;
            if (page.isReadable()) {
                int n = Math.min(length, page.writableBytes());
                page.writeBytes(source, source.readerIndex(), n);
                index = n;
                if (!page.isWritable()) {
                    writeFully(page.memoryAddress(), pageSize);
                    page.clear();
                }
            }
            while (length - index >= pageSize) {
                int whole = Math.min((length - index) / pageSize * pageSize, capacity(piece) - pieceFill);
                writeFully(address + index, whole);
                index += whole;
            }
            if (index < length) {
                page.writeBytes(source, source.readerIndex() + index, length - index);
            }
        }

        /** Writes {@code length} bytes, which fit in the current piece, moving on to the next when it is full. */
        private void writeFully(long address, int length) throws SpliceException {
            while (length > 0) {
                long n = splice.write(writeFds[piece], address, length);
                if (n == Splice.AGAIN) {
                    throw new SpliceException.Shortfall("write into a pipe sized for the piece");
                }
                address += n;
                length -= (int) n;
                pieceFill += (int) n;
                if (pieceFill == capacity(piece)) {
                    endPiece();
                }
            }
        }

        private int capacity(int index) {
            return index == readFds.length - 1 ? lastCapacity : pipeBytes;
        }

        private void endPiece() {
            closeQuietly(writeFds[piece]);
            writeFds[piece] = -1;
            piece++;
            pieceFill = 0;
        }

        @Override
        public long written() {
            return written;
        }

        @Override
        public StoredBody finish() {
            if (done) {
                throw new IllegalStateException("body already finished or abandoned");
            }
            try {
                if (page.isReadable()) {
                    writeFully(page.memoryAddress(), page.readableBytes());
                }
            } catch (SpliceException e) {
                abandon();
                throw new IllegalStateException("a body's last page did not fit its pipe", e);
            }
            done = true;
            page.release();
            for (int i = 0; i < writeFds.length; i++) {
                if (writeFds[i] >= 0) {
                    closeQuietly(writeFds[i]); // the last piece, or pieces a short body never reached
                    writeFds[i] = -1;
                }
            }
            budget.give(0, readFds.length); // write ends are closed
            bodies.incrementAndGet();
            return new PipedBody(PipeBodyStore.this, readFds, written, pages);
        }

        @Override
        public void abandon() {
            if (done) {
                return;
            }
            done = true;
            page.release();
            for (int i = 0; i < readFds.length; i++) {
                closeQuietly(readFds[i]);
                if (writeFds[i] >= 0) {
                    closeQuietly(writeFds[i]);
                }
            }
            freed(written, pages, 2 * readFds.length);
        }
    }
}
