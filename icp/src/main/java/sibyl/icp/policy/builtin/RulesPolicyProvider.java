package sibyl.icp.policy.builtin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.PolicyContext;

/** The {@code rules} type: see {@link RulesPolicy}. */
public final class RulesPolicyProvider implements IcpPolicyProvider {
    private static final Set<String> VERDICTS =
            Arrays.stream(IcpVerdict.values()).map(Enum::name).collect(Collectors.toUnmodifiableSet());

    @Override
    public String type() {
        return "rules";
    }

    @Override
    public IcpPolicy create(PolicyContext context) {
        context.rejectUnknownSettings(Set.of("file", "verdict", "reload-interval"));
        Config settings = context.settings();
        IcpVerdict verdict = IcpVerdict.MISS_NOFETCH;
        if (settings.hasPath("verdict")) {
            try {
                verdict = IcpVerdict.parse(settings.getString("verdict"));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(settings.getValue("verdict").origin(), "verdict", e.getMessage());
            }
        }
        // Relative to the working directory; absolute in every message, so that is visible.
        Path file = Path.of(settings.getString("file")).toAbsolutePath().normalize();
        Duration interval = settings.hasPath("reload-interval") ? settings.getDuration("reload-interval") : Duration.ofSeconds(1);
        if (interval.isNegative() || interval.isZero()) {
            throw new ConfigException.BadValue(settings.getValue("reload-interval").origin(), "reload-interval", "must be positive");
        }
        RulesPolicy policy = new RulesPolicy(verdict);
        try {
            policy.watchedBy(RuleFileWatcher.watch("ICP policy '" + context.name() + "'", file, VERDICTS,
                    policy::setRules, context.housekeeping(), interval));
        } catch (RuleFileException e) {
            throw new ConfigException.BadValue(settings.getValue("file").origin(), "file", e.getMessage());
        }
        return policy;
    }
}
