package sibyl.cluster.policy;

/** What the {@link OwnerPolicy} asks of the node's own cache; both calls are local and quick. */
public interface LocalCache {

    /** The key a URL's ownership is recorded under (the cache's canonical form of it). */
    String key(String url);

    /**
     * Whether a response for {@code key} is held fresh enough to promise over ICP; if so it is
     * kept from eviction until the HTTP request that follows has come.
     */
    boolean promise(String key);
}
