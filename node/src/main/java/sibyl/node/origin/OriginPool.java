package sibyl.node.origin;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * One origin's connections: at most {@code maxConnections} open (connecting, lent or idle), idle
 * ones reused most recent first, requests beyond the limit waiting at most
 * {@code acquireTimeout}. Used on its client's event loop only, as are its connections.
 *
 * <p>Written for this client rather than taken from Netty's {@code FixedChannelPool}, whose
 * idle, lent and waiting counts are private: a pool must say when it is empty so that
 * {@link OriginPools} can drop it, and must tell a reused connection from a new one so that an
 * exchange may retry.
 */
final class OriginPool {
    /** More waiters than this for one origin are refused at once: a queue is not a store. */
    static final int MAX_WAITING = 10_000;

    private final InetSocketAddress origin;
    private final Bootstrap bootstrap;
    private final EventExecutor loop;
    private final int maxConnections;
    private final long acquireTimeoutNanos;
    /** Idle connections, the most recently released first. */
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Connections connecting, lent or idle. */
    private int open;
    private boolean draining;
    private boolean closed;
    /** When the pool last became empty (no connection, no waiter), or -1 while it is not. */
    private long emptySince;

    OriginPool(InetSocketAddress origin, Bootstrap bootstrap, EventExecutor loop, int maxConnections,
            long acquireTimeoutNanos) {
        this.origin = origin;
        this.bootstrap = bootstrap;
        this.loop = loop;
        this.maxConnections = maxConnections;
        this.acquireTimeoutNanos = acquireTimeoutNanos;
        this.emptySince = System.nanoTime();
    }

    /** One request waiting for a connection; {@code fresh} when only a new connection will do. */
    private static final class Waiter {
        final Promise<Lease> promise;
        final boolean fresh;
        /** Taken off the queue: lent a connection, or one is being made for it. */
        boolean served;
        ScheduledFuture<?> timeout;

        Waiter(Promise<Lease> promise, boolean fresh) {
            this.promise = promise;
            this.fresh = fresh;
        }
    }

    InetSocketAddress origin() {
        return origin;
    }

    /**
     * Lends a connection through {@code promise}: an idle one unless {@code fresh}, else a new
     * one, else the next released within the acquire timeout (then {@link Busy}).
     */
    void acquire(boolean fresh, Promise<Lease> promise) {
        if (closed) {
            promise.tryFailure(new IllegalStateException("the origin client is closed"));
            return;
        }
        if (waiters.size() >= MAX_WAITING) {
            promise.tryFailure(new Busy(MAX_WAITING + " requests already wait for a connection to " + origin));
            return;
        }
        Waiter waiter = new Waiter(promise, fresh);
        waiters.addLast(waiter);
        emptySince = -1;
        drain();
        if (!waiter.served) { // still queued: give up after the acquire timeout
            waiter.timeout = loop.schedule(() -> {
                if (waiters.remove(waiter)) {
                    waiter.promise.tryFailure(new Busy("no connection to " + origin
                            + " came free within origin.acquire-timeout"));
                    noteIfEmpty();
                }
            }, acquireTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Takes back a lent connection: kept for the next request if {@code reusable} (the response
     * ended cleanly and both sides keep it alive), else closed.
     */
    void release(Channel channel, boolean reusable) {
        if (!reusable || closed || !channel.isActive()) {
            channel.close(); // accounted for by its close listener
            return;
        }
        idle.addFirst(channel);
        if (!waiters.isEmpty()) {
            // Not now: the rest of the read that ended this response is still being handled, and
            // whatever the origin sent past it must not reach the next exchange.
            loop.execute(this::drain);
        }
    }

    /** Serves waiters, in order, while connections can be had. Safe to re-enter. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!waiters.isEmpty()) {
                Waiter waiter = waiters.peekFirst();
                if (waiter.promise.isDone()) { // cancelled by its exchange
                    waiters.pollFirst();
                    cancelTimeout(waiter);
                    continue;
                }
                Channel channel = waiter.fresh ? null : pollIdle();
                if (channel != null) {
                    waiters.pollFirst();
                    cancelTimeout(waiter);
                    lend(waiter.promise, channel, true);
                } else if (open < maxConnections) {
                    waiters.pollFirst();
                    cancelTimeout(waiter);
                    connect(waiter.promise);
                } else if (waiter.fresh && !idle.isEmpty()) {
                    idle.pollLast().close(); // makes room for the new connection it needs
                } else {
                    break;
                }
            }
        } finally {
            draining = false;
        }
        noteIfEmpty();
    }

    private Channel pollIdle() {
        Channel channel;
        while ((channel = idle.pollFirst()) != null) {
            if (channel.isActive()) {
                return channel;
            }
            channel.close(); // its close listener accounts for it
        }
        return null;
    }

    private static void cancelTimeout(Waiter waiter) {
        waiter.served = true;
        if (waiter.timeout != null) {
            waiter.timeout.cancel(false);
        }
    }

    private void lend(Promise<Lease> promise, Channel channel, boolean reused) {
        if (!promise.trySuccess(new Lease(channel, reused))) {
            release(channel, true); // its exchange gave up meanwhile
        }
    }

    private void connect(Promise<Lease> promise) {
        open++;
        bootstrap.connect(origin).addListener(connected -> {
            Channel channel = ((io.netty.channel.ChannelFuture) connected).channel();
            if (!connected.isSuccess()) {
                open--;
                promise.tryFailure(connected.cause());
                channel.close();
                drain(); // a slot came free
                return;
            }
            channel.closeFuture().addListener(closedFuture -> closed(channel));
            if (closed) {
                channel.close();
                promise.tryFailure(new IllegalStateException("the origin client is closed"));
                return;
            }
            lend(promise, channel, false);
        });
    }

    private void closed(Channel channel) {
        open--;
        idle.remove(channel);
        drain();
    }

    private void noteIfEmpty() {
        if (open == 0 && waiters.isEmpty()) {
            if (emptySince < 0) {
                emptySince = System.nanoTime();
            }
        } else {
            emptySince = -1;
        }
    }

    /** Whether no connection is open or opening and no request waits: nothing is lost by closing it. */
    boolean empty() {
        return open == 0 && waiters.isEmpty();
    }

    /** How long the pool has been {@link #empty}, in nanoseconds at {@code now}; -1 if it is not. */
    long emptyFor(long now) {
        return empty() && emptySince >= 0 ? now - emptySince : -1;
    }

    /** Whether no connection is lent or opening and no request waits: only idle connections would be lost. */
    boolean unused() {
        return waiters.isEmpty() && open == idle.size();
    }

    /**
     * Closes the pool: idle connections now, lent ones as they come back; waiters fail. Its
     * closed connections' listeners still come here, harmlessly.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            it.remove();
            cancelTimeout(waiter);
            waiter.promise.tryFailure(new IllegalStateException("the pool for " + origin + " was closed"));
        }
        Channel channel;
        while ((channel = idle.pollFirst()) != null) {
            channel.close();
        }
    }
}
