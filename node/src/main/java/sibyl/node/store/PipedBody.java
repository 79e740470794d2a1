package sibyl.node.store;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.util.AbstractReferenceCounted;
import java.io.UncheckedIOException;
import sibyl.node.splice.Pipe;
import sibyl.node.splice.Splice;
import sibyl.node.splice.SpliceException;

/**
 * A body held in pipes by a {@link PipeBodyStore}: piece {@code i} holds bytes
 * {@code [i * pipeBytes, (i + 1) * pipeBytes)}, in a pipe whose read end is all that is kept. The
 * pipes are closed when the last reference goes: the index's, or that of the last transfer still
 * teeing from them.
 */
final class PipedBody extends AbstractReferenceCounted implements StoredBody {
    private final PipeBodyStore store;
    private final int[] pieces;
    private final long length;
    private final long pages;

    PipedBody(PipeBodyStore store, int[] pieces, long length, long pages) {
        this.store = store;
        this.pieces = pieces;
        this.length = length;
        this.pages = pages;
    }

    @Override
    public String engine() {
        return "pipe";
    }

    @Override
    public long length() {
        return length;
    }

    /**
     * On an epoll socket with a scratch pipe free, a {@link PipeTransfer}: spliced, never copied.
     * Otherwise the range is copied out into one direct buffer, and counted.
     */
    @Override
    public void writeRange(ChannelHandlerContext ctx, long offset, long length) {
        Ranges.check(this.length, offset, length);
        retain(); // throws once released: its descriptors may be closed, or another's by now
        if (length == 0) {
            release();
            return;
        }
        if (ctx.channel() instanceof AbstractEpollStreamChannel socket) {
            Pipe scratch = store.scratch().tryAcquire();
            if (scratch != null) {
                ctx.write(new PipeTransfer(this, scratch, socket.fd().intValue(), offset, length), ctx.voidPromise());
                return;
            }
        }
        try {
            store.countCopy();
            ctx.write(copy(ctx.alloc().directBuffer((int) length), offset, length), ctx.voidPromise());
        } finally {
            release();
        }
    }

    /** Reads the range into {@code buffer} through a copy pipe, which goes back empty or is closed. */
    private ByteBuf copy(ByteBuf buffer, long offset, long length) {
        Splice splice = store.splice();
        ScratchPipes copies = store.copies();
        Pipe pipe = copies.tryAcquire();
        if (pipe == null) {
            buffer.release();
            throw new UncheckedIOException(new SpliceException.Shortfall("no copy pipe: the store's descriptors are spent"));
        }
        long cursor = offset;
        long end = offset + length;
        try {
            while (cursor < end) {
                long staged = stage(pipe, cursor, end);
                while (staged > 0) {
                    long n = splice.read(pipe.readFd(), buffer.memoryAddress() + buffer.writerIndex(), staged);
                    if (n <= 0) {
                        throw new SpliceException.Shortfall("read from a pipe holding " + staged + " bytes");
                    }
                    buffer.writerIndex(buffer.writerIndex() + (int) n);
                    staged -= n;
                    cursor += n;
                }
            }
            copies.release(pipe);
            return buffer;
        } catch (SpliceException e) {
            buffer.release();
            if (store.empty(pipe)) {
                copies.release(pipe);
            } else {
                copies.discard(pipe);
            }
            throw new UncheckedIOException("copying a stored body out of its pipes", e);
        }
    }

    /**
     * Puts into the empty pipe {@code scratch} the bytes from {@code cursor} to the end of its
     * piece or {@code end}, whichever comes first: tees the piece from its head (tee cannot start
     * elsewhere) and drops what comes before {@code cursor}. Returns how many bytes it staged.
     */
    long stage(Pipe scratch, long cursor, long end) throws SpliceException {
        int pipeBytes = store.pipeBytes();
        int piece = (int) (cursor / pipeBytes);
        long pieceStart = (long) piece * pipeBytes;
        long skip = cursor - pieceStart;
        long wanted = Math.min(pipeBytes, end - pieceStart);
        Splice splice = store.splice();
        long teed = splice.tee(pieces[piece], scratch.writeFd(), wanted, 0);
        if (teed <= skip) { // AGAIN or 0: the scratch pipe was not empty, or the piece is
            drop(scratch, Math.max(0, teed));
            throw new SpliceException.Shortfall("tee of " + wanted + " bytes from piece " + piece + " (got " + teed + ")");
        }
        drop(scratch, skip);
        return teed - skip;
    }

    /** Splices {@code bytes} from the head of {@code pipe} into /dev/null. */
    void drop(Pipe pipe, long bytes) throws SpliceException {
        Splice splice = store.splice();
        while (bytes > 0) {
            long n = splice.splice(pipe.readFd(), store.devNull(), bytes, 0);
            if (n <= 0) {
                throw new SpliceException.Shortfall("splice into /dev/null");
            }
            bytes -= n;
        }
    }

    /** Whether {@code pipe} is empty now, emptied if need be. */
    boolean emptied(Pipe pipe) {
        return store.empty(pipe);
    }

    ScratchPipes scratchPipes() {
        return store.scratch();
    }

    Splice splice() {
        return store.splice();
    }

    @Override
    public StoredBody retain() {
        super.retain();
        return this;
    }

    @Override
    public StoredBody touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        for (int fd : pieces) {
            store.closeQuietly(fd);
        }
        store.freed(length, pages, pieces.length);
    }
}
