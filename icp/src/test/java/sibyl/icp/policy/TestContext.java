package sibyl.icp.policy;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.ScheduledExecutorService;
import sibyl.icp.policy.plugins.PolicyTypes;

/** The context a provider gets, for tests that call providers directly. */
public final class TestContext {
    private TestContext() {}

    /** A context named {@code name} whose settings are the HOCON text {@code settings}. */
    public static PolicyContext of(String name, String settings, ScheduledExecutorService housekeeping) {
        return PolicyTypes.context(name, ConfigFactory.parseString(settings), housekeeping);
    }
}
