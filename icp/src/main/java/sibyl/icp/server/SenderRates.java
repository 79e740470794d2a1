package sibyl.icp.server;

import java.net.InetAddress;

/**
 * A token bucket per sender address, allowing {@code perSecond} replies a second with a
 * second's worth of burst, so that no one address, or forger of one, gets more from a socket.
 * Buckets live in a fixed table indexed by a hash of the address: memory stays bounded however
 * many addresses a flood forges, at the cost of two addresses that collide sharing a bucket.
 * Not thread-safe: one per responder, so per socket.
 */
final class SenderRates {
    private static final int SLOTS = 4096;
    private static final long ONE = 1_000_000_000L; // a reply's cost, in tokens·ns per s
    private final long perSecond;
    private final long capacity;
    private final long[] credit = new long[SLOTS];
    private final long[] refilled = new long[SLOTS];

    /** @param perSecond replies a second per sender; 0 for no limit */
    SenderRates(long perSecond) {
        this.perSecond = perSecond;
        this.capacity = perSecond * ONE;
        long start = System.nanoTime() - ONE;
        java.util.Arrays.fill(refilled, start); // every bucket starts full
    }

    /** Whether {@code sender} may have a reply now; takes its token if so. */
    boolean allow(InetAddress sender, long nowNanos) {
        if (perSecond == 0) {
            return true;
        }
        int hash = sender.hashCode() * 0x9E3779B9;
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        long elapsed = Math.min(nowNanos - refilled[slot], ONE);
        refilled[slot] = nowNanos;
        long available = Math.min(credit[slot] + elapsed * perSecond, capacity);
        if (available < ONE) {
            credit[slot] = available;
            return false;
        }
        credit[slot] = available - ONE;
        return true;
    }
}
