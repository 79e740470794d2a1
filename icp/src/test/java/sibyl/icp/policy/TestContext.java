package sibyl.icp.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.ScheduledExecutorService;

/** The context a provider gets, for tests that call providers directly. */
public record TestContext(String name, Config settings, ScheduledExecutorService housekeeping)
        implements PolicyContext {

    /** A context named {@code name} whose settings are the HOCON text {@code settings}. */
    public static TestContext of(String name, String settings, ScheduledExecutorService housekeeping) {
        return new TestContext(name, ConfigFactory.parseString(settings), housekeeping);
    }
}
