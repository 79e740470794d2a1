package sibyl.cluster.policy;

import java.util.function.BooleanSupplier;
import sibyl.cluster.Ownership;
import sibyl.config.ClusterSettings;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * ICP from URL ownership, so that Squid sends each URL to one node: another live member owns
 * the URL → {@link IcpVerdict#MISS_NOFETCH}; this node owns it → {@link IcpVerdict#HIT} in
 * parent mode (Squid fetches through the owner, which fills itself), or HIT only when held in
 * sibling mode ({@link IcpVerdict#MISS} otherwise). A draining node answers MISS_NOFETCH to
 * everything. No opinion only while the partition table is not known yet.
 */
public final class OwnerPolicy implements IcpPolicy {
    private final Ownership ownership;
    private final ClusterSettings.Mode mode;
    private final LocalCache cache;
    private final BooleanSupplier draining;

    public OwnerPolicy(Ownership ownership, ClusterSettings.Mode mode, LocalCache cache, BooleanSupplier draining) {
        this.ownership = ownership;
        this.mode = mode;
        this.cache = cache;
        this.draining = draining;
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        if (draining.getAsBoolean()) {
            return IcpVerdict.MISS_NOFETCH;
        }
        String key = cache.key(query.url());
        Ownership.Owner owner = ownership.ownerOf(key);
        if (owner.member() == null) {
            return null;
        }
        if (!owner.local()) {
            return IcpVerdict.MISS_NOFETCH;
        }
        boolean held = cache.promise(key);
        return held || mode == ClusterSettings.Mode.PARENT ? IcpVerdict.HIT : IcpVerdict.MISS;
    }
}
