package sibyl.bench.hitratio;

/** A cache a trace is replayed against, one request at a time, as one client would. */
interface ReplayedCache extends AutoCloseable {

    /** What the results call it. */
    String name();

    /**
     * A request for object {@code id} of {@code size} bytes: true if the cache had it; otherwise
     * it is fetched and offered to the cache, which keeps it or not.
     */
    boolean request(long id, long size) throws Exception;

    @Override
    void close() throws Exception;
}
