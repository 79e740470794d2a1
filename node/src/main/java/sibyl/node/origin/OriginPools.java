package sibyl.node.origin;

import io.netty.bootstrap.Bootstrap;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The pools of one client, one per origin, at most {@code maxPools}, used on the client's event
 * loop only. A forward proxy meets origins without end: a pool that has been empty (no
 * connection, no waiter) for {@code idleTimeout} is removed, and when a new origin needs a pool
 * and {@code maxPools} are held, the least recently used pool that lends nothing is closed to
 * make room. If every pool is lending or has waiters, the new origin's request is refused as
 * busy: what the pools hold stays bounded whatever the traffic.
 */
final class OriginPools {
    private final Bootstrap bootstrap;
    private final EventExecutor loop;
    private final OriginClient.Settings settings;
    private final OriginStats stats;
    /** In access order: the least recently used first. */
    private final LinkedHashMap<InetSocketAddress, OriginPool> pools = new LinkedHashMap<>(16, 0.75f, true);
    private final ScheduledFuture<?> sweeper;
    private boolean closed;

    OriginPools(Bootstrap bootstrap, EventExecutor loop, OriginClient.Settings settings, OriginStats stats) {
        this.bootstrap = bootstrap;
        this.loop = loop;
        this.settings = settings;
        this.stats = stats;
        long period = settings.poolIdleTimeout().toNanos();
        // Checked every idle timeout: an empty pool goes within one to two of them.
        this.sweeper = loop.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    /** The pool for {@code origin}, made if needed; null if {@code maxPools} are held and all in use. */
    OriginPool get(InetSocketAddress origin) {
        OriginPool pool = pools.get(origin);
        if (pool != null || closed) {
            return pool;
        }
        if (pools.size() >= settings.maxPools() && !evictOne()) {
            return null;
        }
        pool = new OriginPool(origin, bootstrap, loop, settings.maxConnectionsPerOrigin(),
                settings.acquireTimeout().toNanos());
        pools.put(origin, pool);
        stats.pools.increment();
        return pool;
    }

    int size() {
        return pools.size();
    }

    /** Closes the least recently used pool that lends nothing and has no waiters; false if there is none. */
    private boolean evictOne() {
        for (Iterator<OriginPool> it = pools.values().iterator(); it.hasNext(); ) {
            OriginPool pool = it.next();
            if (pool.unused()) {
                it.remove();
                remove(pool);
                return true;
            }
        }
        return false;
    }

    private void sweep() {
        long now = System.nanoTime();
        long limit = settings.poolIdleTimeout().toNanos();
        for (Iterator<OriginPool> it = pools.values().iterator(); it.hasNext(); ) {
            OriginPool pool = it.next();
            if (pool.emptyFor(now) >= limit) {
                it.remove();
                remove(pool);
            }
        }
    }

    private void remove(OriginPool pool) {
        pool.close();
        stats.pools.decrement();
        stats.poolsEvicted.increment();
    }

    void close() {
        closed = true;
        sweeper.cancel(false);
        for (OriginPool pool : pools.values()) {
            pool.close();
            stats.pools.decrement();
        }
        pools.clear();
    }
}
