package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.VaryKey;

/**
 * The requests waiting for one fetch's outcome instead of asking the origin themselves
 * (collapsed forwarding): joined from any event loop until the fetch closes, then each told how
 * it ended, on its own loop.
 */
final class Collapser {

    /** A request waiting for a fetch's outcome; woken on any thread, it moves to its own. */
    interface Waiter {
        HttpHeaders requestHeaders();

        void wake(Outcome outcome);

        /** A waiter with {@code requestHeaders}, told the outcome on {@code loop}. */
        static Waiter on(Executor loop, HttpHeaders requestHeaders, Consumer<Outcome> woken) {
            return new Waiter() {
                @Override
                public HttpHeaders requestHeaders() {
                    return requestHeaders;
                }

                @Override
                public void wake(Outcome outcome) {
                    loop.execute(() -> woken.accept(outcome));
                }
            };
        }
    }

    /** How a fetch ended, for its waiters. */
    record Outcome(Kind kind, HttpResponseStatus status, String detail, CacheEntry entry) {
        static final Outcome UNSTORED = new Outcome(Kind.UNSTORED, null, null, null);

        static Outcome stored(CacheEntry entry) {
            return new Outcome(Kind.STORED, null, null, entry);
        }

        static Outcome failed(HttpResponseStatus status, String detail) {
            return new Outcome(Kind.FAILED, status, detail, null);
        }
    }

    enum Kind {
        /**
         * The response was stored: serve {@link Outcome#entry()}, whose body the waiter holds a
         * reference to and must release, even if the index evicted it already (the replacement
         * policy may not admit it).
         */
        STORED,
        /** Nothing was stored for you: ask the origin yourself. */
        UNSTORED,
        /** The origin could not be asked: answer with {@link Outcome#status()}. */
        FAILED
    }

    private final List<Waiter> waiters = new ArrayList<>(0);
    private boolean closed;

    /** Waits for the outcome; false if it is too late to (the outcome is known). */
    synchronized boolean join(Waiter waiter) {
        if (closed) {
            return false;
        }
        waiters.add(waiter);
        return true;
    }

    synchronized boolean anyWaiting() {
        return !waiters.isEmpty();
    }

    /** No one may join any more; returns those who did, to be {@linkplain #announce announced} to. */
    synchronized List<Waiter> close() {
        closed = true;
        List<Waiter> joined = List.copyOf(waiters);
        waiters.clear();
        return joined;
    }

    /** Waiters whose request selects another variant than {@code variantKey} go their own way now. */
    void releaseOtherVariants(List<String> varyFields, String variantKey) {
        if (varyFields.isEmpty()) {
            return;
        }
        List<Waiter> others = new ArrayList<>();
        synchronized (this) {
            waiters.removeIf(waiter -> {
                boolean other = !VaryKey.of(varyFields, waiter.requestHeaders()).equals(variantKey);
                if (other) {
                    others.add(waiter);
                }
                return other;
            });
        }
        others.forEach(waiter -> waiter.wake(Outcome.UNSTORED));
    }

    /**
     * Tells {@code woken} the outcome, each with a reference of its own to the entry stored; a
     * waiter whose request selects another variant is told to go its own way.
     */
    static void announce(List<Waiter> woken, Outcome outcome) {
        CacheEntry entry = outcome.entry();
        List<String> fields = entry == null ? List.of() : VaryKey.fields(entry.headers());
        for (Waiter waiter : woken) {
            if (entry == null) {
                waiter.wake(outcome);
            } else if (VaryKey.of(fields, waiter.requestHeaders()).equals(entry.variantKey())) {
                entry.body().retain();
                waiter.wake(outcome);
            } else {
                waiter.wake(Outcome.UNSTORED);
            }
        }
    }
}
