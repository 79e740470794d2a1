package sibyl.cluster.policy;

import java.util.function.Supplier;
import sibyl.cluster.Ownership;
import sibyl.cluster.Stage;
import sibyl.config.ClusterSettings;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * ICP from URL ownership, so that Squid sends each URL to one node. A node that holds the URL
 * fresh answers {@link IcpVerdict#HIT} (it knows from its index; no record of it need exist
 * anywhere else). Otherwise the member that answers for the URL ({@link Ownership#answer}) says
 * HIT in parent mode (Squid fetches through it, and it fills itself or routes the miss) or MISS
 * in sibling mode, and every other member {@link IcpVerdict#MISS_NOFETCH}. A draining node
 * promises only what it holds while it hands URLs over, then nothing. No opinion only while the
 * partition table is not known yet.
 */
public final class OwnerPolicy implements IcpPolicy {
    private final Ownership ownership;
    private final ClusterSettings.Mode mode;
    private final LocalCache cache;
    private final Supplier<Stage> stage;

    public OwnerPolicy(Ownership ownership, ClusterSettings.Mode mode, LocalCache cache, Supplier<Stage> stage) {
        this.ownership = ownership;
        this.mode = mode;
        this.cache = cache;
        this.stage = stage;
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        Stage now = stage.get();
        if (now == Stage.LEAVING) {
            return IcpVerdict.MISS_NOFETCH;
        }
        String key = cache.key(query.url());
        if (cache.promise(key)) {
            return IcpVerdict.HIT;
        }
        if (now == Stage.HANDING_OFF) {
            return IcpVerdict.MISS_NOFETCH;
        }
        return switch (ownership.answer(key)) {
            case UNKNOWN -> null;
            case ELSEWHERE -> IcpVerdict.MISS_NOFETCH;
            case MINE -> mode == ClusterSettings.Mode.PARENT ? IcpVerdict.HIT : IcpVerdict.MISS;
        };
    }
}
