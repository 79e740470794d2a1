package sibyl.node.cache.replacement;

/**
 * One URL as the replacement policy sees it: its hash, the weight the policy counts for it, and
 * its place in the policy's queues. The index subclasses it for the URLs it holds; the policy's
 * simulations, for the URLs they would hold. Only the policy reads or writes these fields, under
 * the lock of whoever calls it.
 */
public abstract class Resident {
    final long hash;
    long weight;
    Queue queue;
    Resident previous;
    Resident next;

    /** @param hash the URL's {@link Replacement#hash} */
    protected Resident(long hash) {
        this.hash = hash;
    }

    /** Whether the policy ranks it now (added and neither removed nor evicted since). */
    public final boolean ranked() {
        return queue != null;
    }
}
