package example.shard;

import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * Splits the URL space into {@code shards} parts by a hash of the URL and claims part
 * {@code index}: ICP_OP_HIT for its own URLs, no opinion on the others, so that the policies
 * after it (or the default ICP_OP_MISS) answer them.
 *
 * <p>It reads only the query, so it neither blocks nor allocates: fit for the ICP path.
 */
final class ShardPolicy implements IcpPolicy {
    private final int shards;
    private final int index;

    ShardPolicy(int shards, int index) {
        this.shards = shards;
        this.index = index;
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        return shardOf(query.url(), shards) == index ? IcpVerdict.HIT : null;
    }

    /** The shard of {@code url}: a stable hash, the same in every JVM. */
    static int shardOf(String url, int shards) {
        return Math.floorMod(url.hashCode(), shards);
    }
}
