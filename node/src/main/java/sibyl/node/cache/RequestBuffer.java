package sibyl.node.cache;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * Requests the index has yet to tell its replacement policy about: what a lookup adds without a
 * lock, and maintenance drains under the index's lock (Caffeine's read buffer, in small). Lossy:
 * a request that finds its thread's stripe full is dropped, which costs the policy one count and
 * never makes a hit wait.
 */
final class RequestBuffer {
    private static final int SLOTS = 32;
    private static final int MASK = SLOTS - 1;

    // A stripe's two counters, each on a cache line of its own (superclass fields are laid out
    // first, so the padding stays where it is put): adders write one, the drainer the other.
    @SuppressWarnings("unused")
    private abstract static class PadBeforeWritten {
        long p01, p02, p03, p04, p05, p06, p07;
    }

    private abstract static class Written extends PadBeforeWritten {
        volatile long written;
    }

    @SuppressWarnings("unused")
    private abstract static class PadBeforeDrained extends Written {
        long p11, p12, p13, p14, p15, p16, p17;
    }

    private abstract static class Drained extends PadBeforeDrained {
        volatile long drained;
    }

    @SuppressWarnings("unused")
    private abstract static class PadAfterDrained extends Drained {
        long p21, p22, p23, p24, p25, p26, p27;
    }

    private static final class Stripe extends PadAfterDrained {
        static final AtomicLongFieldUpdater<Written> WRITTEN = AtomicLongFieldUpdater.newUpdater(Written.class, "written");
        final AtomicReferenceArray<Object> slots = new AtomicReferenceArray<>(SLOTS);
    }

    private final Stripe[] stripes;

    RequestBuffer() {
        int wanted = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() * 2 - 1)) << 1;
        stripes = new Stripe[Math.min(64, wanted)];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
    }

    /**
     * Adds {@code request} (non-null), or drops it if its stripe is full or another thread won the
     * race for its slot. Returns whether the stripe is full: time to drain.
     */
    boolean add(Object request) {
        // Thread ids are handed out in sequence: the node's few event loops land on different stripes.
        Stripe stripe = stripes[(int) Thread.currentThread().getId() & (stripes.length - 1)];
        long written = stripe.written;
        if (written - stripe.drained >= SLOTS) {
            return true;
        }
        if (Stripe.WRITTEN.compareAndSet(stripe, written, written + 1)) {
            stripe.slots.lazySet((int) written & MASK, request);
            return written + 1 - stripe.drained >= SLOTS;
        }
        return false;
    }

    /** Hands every request added so far, in each stripe's order, to {@code sink}. One drainer at a time. */
    void drain(Consumer<Object> sink) {
        for (Stripe stripe : stripes) {
            long drained = stripe.drained;
            long written = stripe.written;
            for (; drained < written; drained++) {
                int slot = (int) drained & MASK;
                Object request = stripe.slots.get(slot);
                if (request == null) {
                    break; // its writer has taken the slot but not yet filled it: next time
                }
                stripe.slots.lazySet(slot, null);
                sink.accept(request);
            }
            stripe.drained = drained;
        }
    }
}
