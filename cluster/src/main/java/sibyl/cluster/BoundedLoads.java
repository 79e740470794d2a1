package sibyl.cluster;

import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2018; HAProxy's
 * {@code hash-balance-factor}): a member may hold at most {@code factor} times the members'
 * mean, in URLs and in bytes. A new URL goes to its partition owner unless that member is over
 * its bound, then to the first member of the URL's rendezvous order that is under it. The order
 * is a function of the URL and the member ids alone, so every member that knows the same loads
 * places a URL on the same member.
 */
final class BoundedLoads {
    /**
     * Below this many URLs per member on average, no member is over its bound: with a handful of
     * URLs each, 2% is less than one URL, and bounding them would place most new URLs away from
     * their partition owner (a claim each) for an imbalance of a few URLs, which the bound
     * corrects later anyway.
     */
    static final long MINIMUM_MEAN = 64;

    private final double factor;

    /** @param factor at least 1.0 */
    BoundedLoads(double factor) {
        this.factor = factor;
    }

    /**
     * The member a new URL whose partition {@code owner} has is stored by, among
     * {@code members} with the loads {@code loads} gives.
     */
    UUID place(String key, UUID owner, UUID[] members, Function<UUID, Loads.Load> loads) {
        if (!overBound(loads.apply(owner), members, loads)) {
            return owner;
        }
        UUID next = rendezvous(key, members, member -> !member.equals(owner) && !loads.apply(member).draining()
                && !overBound(loads.apply(member), members, loads));
        return next == null ? owner : next;
    }

    /**
     * Whether a member with {@code load} is over its bound among {@code members} (draining ones
     * do not count): one more URL would take it past {@code factor} times the mean count, or it
     * already holds more than {@code factor} times the mean bytes.
     */
    boolean overBound(Loads.Load load, UUID[] members, Function<UUID, Loads.Load> loads) {
        long objects = 0;
        long bytes = 0;
        int counted = 0;
        for (UUID member : members) {
            Loads.Load other = loads.apply(member);
            if (!other.draining()) {
                objects += other.objects();
                bytes += other.bytes();
                counted++;
            }
        }
        if (counted <= 1 || objects < MINIMUM_MEAN * counted) {
            return false;
        }
        long objectBound = (long) Math.ceil(factor * (objects + 1) / counted);
        return load.objects() + 1 > objectBound || (bytes > 0 && load.bytes() > factor * bytes / counted);
    }

    /**
     * The first of {@code members}, in {@code key}'s rendezvous order (highest random weight),
     * that {@code eligible} accepts; null if none does.
     */
    static UUID rendezvous(String key, UUID[] members, Predicate<UUID> eligible) {
        UUID best = null;
        long bestWeight = 0;
        long keyHash = mix(key.hashCode() * 0x9E3779B97F4A7C15L);
        for (UUID member : members) {
            if (!eligible.test(member)) {
                continue;
            }
            long weight = mix(keyHash ^ member.getMostSignificantBits()
                    ^ Long.rotateLeft(member.getLeastSignificantBits(), 17));
            if (best == null || Long.compareUnsigned(weight, bestWeight) > 0) {
                best = member;
                bestWeight = weight;
            }
        }
        return best;
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
