package sibyl.icp.policy.builtin;

import com.typesafe.config.ConfigException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Set;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.PolicyContext;

/** The {@code warmup} type: see {@link WarmupPolicy}. */
public final class WarmupPolicyProvider implements IcpPolicyProvider {
    private static final Logger log = LoggerFactory.getLogger(WarmupPolicy.class);

    @Override
    public String type() {
        return "warmup";
    }

    @Override
    public IcpPolicy create(PolicyContext context) {
        context.rejectUnknownSettings(Set.of("duration"));
        Duration duration = context.settings().getDuration("duration");
        if (duration.isNegative()) {
            throw new ConfigException.BadValue(context.settings().getValue("duration").origin(), "duration", "must not be negative");
        }
        log.info("ICP policy '{}': answering ICP_OP_MISS_NOFETCH for {} s while warming up",
                context.name(), duration.toMillis() / 1000.0);
        return new WarmupPolicy(duration);
    }
}
