package sibyl.icp.policy;

/**
 * Decides, or declines to decide, what a node answers to an ICP query.
 *
 * <p>Policies are registered under names in a {@link PolicyChain}, which asks them in name order;
 * the first verdict wins and a query no policy decides is answered {@link IcpVerdict#MISS}.
 *
 * <p>{@link #decide} runs on the ICP server's event-loop threads, concurrently, for every query.
 * It must not block, wait on a lock that anything slow holds, or touch the network: read local
 * state only, and do slow work (reloading files, fetching state) on another thread. An exception
 * thrown from it is logged (rate-limited), counted, and taken as no opinion.
 *
 * <p>A plugin makes its policies available through an {@link IcpPolicyProvider}.
 */
@FunctionalInterface
public interface IcpPolicy extends AutoCloseable {

    /**
     * The verdict for {@code query}, or {@code null} for no opinion, which lets the next policy in
     * name order decide.
     *
     * @param query valid only during this call; see {@link IcpQuery}
     */
    IcpVerdict decide(IcpQuery query);

    /**
     * Releases what the policy holds (threads, watched files). Called once, when the policy is
     * replaced in its chain or the node stops; queries may still be in {@link #decide} on other
     * threads when it is called. The default does nothing.
     */
    @Override
    default void close() {}
}
