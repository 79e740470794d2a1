package sibyl.node.store;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.splice.Pipe;
import sibyl.node.splice.Splice;
import sibyl.node.splice.SpliceException;

/**
 * A range of a {@link PipedBody} on its way into an epoll socket: each stored piece is teed into
 * this transfer's scratch pipe, which is spliced into the socket. The epoll transport calls
 * {@link #transferTo} when the socket is writable; a splice that would block leaves the rest in
 * the scratch pipe and returns, and a return of 0 has the transport wait for EPOLLOUT.
 *
 * <p>Holds a reference to the body, so its pipes stay open until the transfer ends, and the
 * scratch pipe, which goes back to the pool empty. Used on the channel's event loop.
 */
final class PipeTransfer extends AbstractReferenceCounted implements FileRegion {
    private static final Logger log = LoggerFactory.getLogger(PipeTransfer.class);

    private final PipedBody body;
    private final Pipe scratch;
    private final int socket;
    private final long offset;
    private final long end;
    private long cursor;
    /** Bytes in the scratch pipe, not yet in the socket. */
    private long staged;

    /** @param body a reference the transfer now owns */
    PipeTransfer(PipedBody body, Pipe scratch, int socket, long offset, long length) {
        this.body = body;
        this.scratch = scratch;
        this.socket = socket;
        this.offset = offset;
        this.end = offset + length;
        this.cursor = offset;
    }

    /** Ignores {@code target}: the bytes go straight into the socket's descriptor. */
    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        Splice splice = body.splice();
        long moved = 0;
        while (cursor < end) {
            if (staged == 0) {
                staged = body.stage(scratch, cursor, end);
            }
            // SPLICE_F_MORE holds a partial segment back for what follows: never on the last bytes,
            // or they wait for the kernel's ~200 ms timer.
            boolean last = cursor + staged == end;
            long n = splice.splice(scratch.readFd(), socket, staged, last ? 0 : Splice.SPLICE_F_MORE);
            if (n == Splice.AGAIN) {
                break;
            }
            if (n == 0) { // never from a pipe holding bytes; a loop that could not end otherwise
                throw new SpliceException.Shortfall("splice of " + staged + " staged bytes into the socket");
            }
            staged -= n;
            cursor += n;
            moved += n;
        }
        return moved;
    }

    @Override
    public long position() {
        return offset;
    }

    @Override
    public long transferred() {
        return cursor - offset;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred();
    }

    @Override
    public long count() {
        return end - offset;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    /**
     * Ended, sent or not: whatever is left in the scratch pipe (a client gone mid-body, a stage
     * that failed half-way) is dropped before the pipe goes back to the pool.
     */
    @Override
    protected void deallocate() {
        ScratchPipes pool = body.scratchPipes();
        try {
            if (body.emptied(scratch)) {
                pool.release(scratch);
            } else {
                log.debug("scratch pipe {} not emptied: closed", scratch);
                pool.discard(scratch);
            }
        } finally {
            body.release();
        }
    }
}
