package sibyl.cluster;

/**
 * What the node holds, as its cluster membership needs to know it: how much (so that the
 * members keep their loads within the balance factor of each other) and which URLs (so that,
 * when a partition moves away, the URLs of it this node still holds are claimed in one batch).
 * Every call reads local memory.
 */
public interface Holdings {

    /** Holds nothing: a member whose node has no cache (tests, tools). */
    Holdings NONE = new Holdings() {
        @Override
        public long objects() {
            return 0;
        }

        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public void forEachHeld(Held held) {}
    };

    /** Sees one URL held. */
    @FunctionalInterface
    interface Held {
        /**
         * @param key the URL as the cache keys it
         * @param freshUntilMillis until when its response stays fresh (epoch milliseconds)
         */
        void accept(String key, long freshUntilMillis);
    }

    /** URLs held. */
    long objects();

    /** Bytes the held responses cost. */
    long bytes();

    /**
     * Stops holding {@code key}, if it is held: another member's claim of it stands on the
     * partition this member answers for, so this copy is a duplicate (both sides of a network
     * split stored the URL; or this member fetched it inside a claim's consistency window), and
     * only the claim's holder is to answer HIT for it. Called on a Hazelcast event thread or the
     * ownership's. True if it was held.
     */
    default boolean drop(String key) {
        return false;
    }

    /** Calls {@code held} for every URL held now (a snapshot is not needed: concurrent changes may be seen or not). */
    void forEachHeld(Held held);
}
