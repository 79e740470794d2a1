package sibyl.node.store;

import io.netty.buffer.ByteBuf;

/**
 * Collects one body as it arrives, then either {@link #finish}es it into a {@link StoredBody} or
 * {@link #abandon}s it. Nothing partial is ever stored: a body cut short is abandoned. Used by one
 * thread at a time.
 */
public interface BodyWriter {

    /**
     * Copies {@code chunk}'s readable bytes into the body. The chunk stays the caller's: it is
     * neither released nor moved.
     *
     * @return false if the store cannot keep the body after all (it grew past the length it was
     *     opened with, or the kernel failed a pipe): the writer has abandoned it, and the body
     *     is not stored
     */
    boolean write(ByteBuf chunk);

    /** Bytes written so far. */
    long written();

    /** The complete body, with one reference for the caller; the writer is done. */
    StoredBody finish();

    /** Frees what was written; the writer is done. Safe to call after finish or twice. */
    void abandon();
}
