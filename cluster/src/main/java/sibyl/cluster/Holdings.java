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

    /** Calls {@code held} for every URL held now (a snapshot is not needed: concurrent changes may be seen or not). */
    void forEachHeld(Held held);
}
