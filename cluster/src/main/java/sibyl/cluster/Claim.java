package sibyl.cluster;

import java.util.UUID;

/**
 * A member's record that it holds a URL its partition owner does not: written by the holder,
 * kept on the URL's partition owner (the member that answers for the URL), ignored once it has
 * expired or its holder has left.
 *
 * @param holder the member that holds the URL
 * @param expiresAtMillis when the held response stops being fresh (epoch milliseconds)
 */
record Claim(UUID holder, long expiresAtMillis) {

    /** Whether the claim still stands: not expired, its holder another live member. */
    boolean standsFor(UUID self, java.util.Set<UUID> live, long nowMillis) {
        return expiresAtMillis > nowMillis && !holder.equals(self) && live.contains(holder);
    }

    /** As stored in the claims map: three longs, which Hazelcast serialises without reflection. */
    long[] toWire() {
        return new long[] {holder.getMostSignificantBits(), holder.getLeastSignificantBits(), expiresAtMillis};
    }

    /** The claim a map value stands for, or null for a value that is not one. */
    static Claim fromWire(Object value) {
        if (!(value instanceof long[] wire) || wire.length != 3) {
            return null;
        }
        return new Claim(new UUID(wire[0], wire[1]), wire[2]);
    }
}
