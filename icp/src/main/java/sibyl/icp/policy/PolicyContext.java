package sibyl.icp.policy;

import com.typesafe.config.Config;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/** What a provider is given to create a policy with. */
public interface PolicyContext {

    /** The name the policy is registered under, for its log lines. */
    String name();

    /**
     * The policy's settings: its configuration block without {@code type}. Values keep their
     * origin, so Typesafe Config's exceptions name the file and line of a bad setting.
     */
    Config settings();

    /**
     * Fails when {@link #settings()} has a setting not named in {@code known}. Call it first in
     * {@link IcpPolicyProvider#create}: a misspelled optional setting then stops start-up instead
     * of being silently ignored.
     *
     * @throws com.typesafe.config.ConfigException.BadPath naming the setting, its file and line,
     *     and the settings the policy knows
     */
    void rejectUnknownSettings(Set<String> known);

    /**
     * A single background thread shared by the node's policies for slow or periodic work, such as
     * reloading a file. Never the ICP server's threads. Tasks must be short and must not throw.
     */
    ScheduledExecutorService housekeeping();
}
