package example.shard;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.Set;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.PolicyContext;

/**
 * The {@code example.shard} policy type. Configure it as
 *
 * <pre>
 * icp.plugins = "plugins"
 * icp.policies.30-shard { type = "example.shard", shards = 3, index = 0 }
 * </pre>
 *
 * and list this class in {@code META-INF/services/sibyl.icp.policy.IcpPolicyProvider}.
 */
public final class ShardPolicyProvider implements IcpPolicyProvider {

    @Override
    public String type() {
        return "example.shard";
    }

    @Override
    public IcpPolicy create(PolicyContext context) {
        context.rejectUnknownSettings(Set.of("shards", "index"));
        Config settings = context.settings();
        int shards = settings.getInt("shards");
        int index = settings.getInt("index");
        if (shards < 1) {
            throw new ConfigException.BadValue(settings.getValue("shards").origin(), "shards", "must be at least 1");
        }
        if (index < 0 || index >= shards) {
            throw new ConfigException.BadValue(settings.getValue("index").origin(), "index",
                    "must be within 0.." + (shards - 1));
        }
        return new ShardPolicy(shards, index);
    }
}
