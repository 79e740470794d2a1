package sibyl.node.store;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.node.splice.Pipe;
import sibyl.node.splice.Splice;
import sibyl.node.splice.SpliceException;

/**
 * Empty pipes a hit tees its stored pipes into and splices out of. A transfer keeps its scratch
 * pipe until it ends, since splice into a full socket leaves bytes behind in it; so there are as
 * many as transfers in flight, up to a limit, each as large as the largest stored pipe (tee
 * copies from the head of a pipe only, so a stored pipe goes over whole). Shared by all event
 * loops; a pipe comes back empty or is closed.
 */
final class ScratchPipes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScratchPipes.class);

    private final Splice splice;
    private final int pipeBytes;
    private final int max;
    private final PipeBudget budget;
    private final ConcurrentLinkedDeque<Pipe> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean closed;

    ScratchPipes(Splice splice, int pipeBytes, int max, PipeBudget budget) {
        this.splice = splice;
        this.pipeBytes = pipeBytes;
        this.max = max;
        this.budget = budget;
    }

    /** An empty pipe of at least the stored pipes' size, or null when all are in use or none can be made. */
    Pipe tryAcquire() {
        Pipe pipe = idle.pollFirst();
        if (pipe != null || closed) {
            return pipe;
        }
        int count;
        do {
            count = open.get();
            if (count >= max) {
                return null;
            }
        } while (!open.compareAndSet(count, count + 1));
        if (!budget.tryTake(0, 2)) {
            open.decrementAndGet();
            return null;
        }
        try {
            pipe = splice.pipe();
        } catch (SpliceException e) {
            log.debug("no scratch pipe: {}", e.getMessage());
            forget();
            return null;
        }
        try {
            if (splice.resize(pipe, pipeBytes) >= pipeBytes) {
                return pipe;
            }
        } catch (SpliceException e) {
            log.debug("scratch pipe not resized to {} bytes: {}", pipeBytes, e.getMessage());
        }
        discard(pipe);
        return null;
    }

    /** Takes back an empty pipe. */
    void release(Pipe pipe) {
        if (closed) {
            discard(pipe);
            return;
        }
        idle.offerFirst(pipe); // the most recently used is the likeliest still in cache
        if (closed && idle.remove(pipe)) {
            discard(pipe);
        }
    }

    /** Closes a pipe that cannot be reused (it could not be emptied, or the pool is closed). */
    void discard(Pipe pipe) {
        try {
            splice.close(pipe);
        } catch (SpliceException e) {
            log.warn("closing scratch pipe {}: {}", pipe, e.getMessage());
        }
        forget();
    }

    private void forget() {
        open.decrementAndGet();
        budget.give(0, 2);
    }

    /** Scratch pipes open, idle or in use. */
    int open() {
        return open.get();
    }

    /** Closes the idle pipes; those in use are closed as they come back. */
    @Override
    public void close() {
        closed = true;
        Pipe pipe;
        while ((pipe = idle.pollFirst()) != null) {
            discard(pipe);
        }
    }
}
