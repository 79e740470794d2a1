package sibyl.icp.policy.builtin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.TestContext;
import sibyl.icp.policy.TestQuery;

class WarmupPolicyTest {
    private static final TestQuery QUERY = TestQuery.of("http://example.com/");

    private static IcpPolicy warmup(String duration) {
        return new WarmupPolicyProvider().create(TestContext.of("05-warmup", "duration = " + duration, null));
    }

    @Test
    void answersMissNofetchWhileWarmingUpThenHasNoOpinion() {
        long created = System.nanoTime();
        IcpPolicy policy = warmup("300ms");

        IcpVerdict during = policy.decide(QUERY);
        assumeTrue(System.nanoTime() - created < Duration.ofMillis(300).toNanos(),
                "the machine took longer than the whole warm-up to ask once: nothing to check");

        assertEquals(IcpVerdict.MISS_NOFETCH, during);
        await().atMost(Duration.ofSeconds(10)).until(() -> policy.decide(QUERY) == null);
    }

    @Test
    void onceOverStaysOver() {
        IcpPolicy policy = warmup("1ms");
        await().atMost(Duration.ofSeconds(10)).until(() -> policy.decide(QUERY) == null);

        assertNull(policy.decide(QUERY));
        assertNull(policy.decide(QUERY));
    }

    @Test
    void zeroDurationHasNoOpinionAtOnce() {
        assertNull(warmup("0s").decide(QUERY));
    }

    @Test
    void negativeDurationIsASettingError() {
        ConfigException e = assertThrows(ConfigException.class, () -> warmup("-1s"));

        assertTrue(e.getMessage().contains("'duration'"), e.getMessage());
    }

    @Test
    void durationIsRequired() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new WarmupPolicyProvider().create(TestContext.of("05-warmup", "", null)));

        assertTrue(e.getMessage().contains("'duration'"), e.getMessage());
    }
}
