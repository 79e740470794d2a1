package sibyl.node.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies held at once over all connections ({@code http.request-bodies-in-flight}):
 * one per server, shared by its event loops. A body is reserved as it is read and released when
 * its transaction ends.
 */
final class BodyBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long limit) {
        this.limit = limit;
    }

    /** Reserves {@code bytes} if they fit; returns whether they did. */
    boolean tryReserve(long bytes) {
        if (bytes == 0) {
            return true;
        }
        long now;
        do {
            now = held.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        if (bytes != 0) {
            held.addAndGet(-bytes);
        }
    }

    /** Bytes reserved now. */
    long held() {
        return held.get();
    }

    long limit() {
        return limit;
    }
}
