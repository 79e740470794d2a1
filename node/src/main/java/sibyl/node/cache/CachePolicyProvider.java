package sibyl.node.cache;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.PolicyContext;

/**
 * The {@code cache} policy type: see {@link CachePolicy}. Settings {@code fresh-for} (default
 * 30s) and {@code pin} (default 5s). The node provides it, since it answers from the node's own
 * index.
 */
public final class CachePolicyProvider implements IcpPolicyProvider {
    private final CacheIndex index;
    private final Clock clock;

    public CachePolicyProvider(CacheIndex index, Clock clock) {
        this.index = index;
        this.clock = clock;
    }

    @Override
    public String type() {
        return "cache";
    }

    @Override
    public IcpPolicy create(PolicyContext context) {
        context.rejectUnknownSettings(Set.of("fresh-for", "pin"));
        Config settings = context.settings();
        return new CachePolicy(index, duration(settings, "fresh-for", Duration.ofSeconds(30)),
                duration(settings, "pin", Duration.ofSeconds(5)), clock);
    }

    private static Duration duration(Config settings, String key, Duration otherwise) {
        if (!settings.hasPath(key)) {
            return otherwise;
        }
        Duration value = settings.getDuration(key);
        if (value.isNegative()) {
            throw new ConfigException.BadValue(settings.getValue(key).origin(), key, "must not be negative");
        }
        return value;
    }
}
