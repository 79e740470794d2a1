package sibyl.icp.policy.plugins;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A misspelled setting of a built-in policy stops start-up, naming it, instead of being ignored. */
class UnknownPolicySettingsTest {
    static PolicyTypes types;
    static ScheduledExecutorService housekeeping;

    @BeforeAll
    static void discover() throws PluginException {
        types = PolicyTypes.discover(null);
        housekeeping = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void close() {
        types.close();
        housekeeping.shutdownNow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "type = acl, alow = [\"10.0.0.0/8\"]                       | alow      | allow",
        "type = warmup, durration = 30s                             | durration | duration",
        "type = rules, file = /nonexistent, verdcit = HIT           | verdcit   | file, reload-interval, verdict",
    })
    void aTypoIsNamedWithTheSettingsThePolicyKnows(String block, String typo, String known) {
        Config config = ConfigFactory.parseString(block, com.typesafe.config.ConfigParseOptions.defaults()
                .setOriginDescription("sibyl.conf"));

        PluginException e = assertThrows(PluginException.class,
                () -> types.create("icp.policies.20-mine", "20-mine", config, housekeeping));

        assertTrue(e.getMessage().startsWith("icp.policies.20-mine: sibyl.conf: 1: "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + typo + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown setting of this policy (a typo?); it knows " + known), e.getMessage());
    }
}
