package sibyl.icp.policy.builtin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.TestContext;
import sibyl.icp.policy.TestQuery;

/** The {@code rules} policy as configuration creates it, watching a real file. */
class RulesPolicyTest {
    private static final long RELOAD_MILLIS = 20;

    @TempDir
    Path dir;

    private Path file;
    private ScheduledExecutorService housekeeping;
    private IcpPolicy policy;

    @BeforeEach
    void setUp() {
        file = dir.resolve("icp.rules");
        housekeeping = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        if (policy != null) {
            policy.close();
        }
        housekeeping.shutdownNow();
    }

    private void write(String... lines) throws IOException {
        Files.write(file, List.of(lines));
    }

    /** Replaces the file by rename, as editors and configuration tools do: never half-written. */
    private void replace(String... lines) throws IOException {
        Path next = Files.write(dir.resolve("icp.rules.new"), List.of(lines));
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private IcpPolicy create(String extraSettings) {
        policy = new RulesPolicyProvider().create(TestContext.of("20-rules",
                "file = " + ConfigUtil.quoteString(file.toString()) + "\n"
                        + "reload-interval = " + RELOAD_MILLIS + "ms\n" + extraSettings,
                housekeeping));
        return policy;
    }

    private IcpVerdict decide(String url) {
        return policy.decide(TestQuery.of(url));
    }

    /**
     * Returns once the watcher has polled the file since this call. The housekeeping executor has
     * one thread and runs tasks in the order they fall due; the watcher polls every
     * RELOAD_MILLIS, so a task due several intervals from now runs after at least one poll that
     * started after this call.
     */
    private void awaitAPollSinceNow() throws Exception {
        housekeeping.schedule(() -> { }, 5 * RELOAD_MILLIS, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS);
    }

    @Test
    void firstMatchingRuleWins() throws Exception {
        write("HIT /foo/", "DENIED /foo/bar");
        create("");

        assertEquals(IcpVerdict.HIT, decide("http://example.com/foo/bar"));
    }

    @Test
    void eachLineMayGiveItsOwnVerdict() throws Exception {
        write("HIT ^http://hot\\.", "MISS ^http://cold\\.", "MISS_NOFETCH \\.iso$", "denied /admin/");
        create("");

        assertEquals(IcpVerdict.HIT, decide("http://hot.example.com/"));
        assertEquals(IcpVerdict.MISS, decide("http://cold.example.com/"));
        assertEquals(IcpVerdict.MISS_NOFETCH, decide("http://example.com/debian.iso"));
        assertEquals(IcpVerdict.DENIED, decide("http://example.com/admin/"));
    }

    @Test
    void bareLinesTakeMissNofetchByDefault() throws Exception {
        write("\\.iso$");
        create("");

        assertEquals(IcpVerdict.MISS_NOFETCH, decide("http://example.com/debian.iso"));
    }

    @Test
    void bareLinesTakeTheConfiguredVerdict() throws Exception {
        write("\\.iso$", "DENIED /admin/");
        create("verdict = ICP_OP_HIT");

        assertEquals(IcpVerdict.HIT, decide("http://example.com/debian.iso"));
        assertEquals(IcpVerdict.DENIED, decide("http://example.com/admin/"));
    }

    @Test
    void urlNoRuleMatchesGetsNoOpinion() throws Exception {
        write("HIT /foo/");
        create("");

        assertNull(decide("http://example.com/bar/"));
    }

    @Test
    void fileRewrittenInPlaceIsReloaded() throws Exception {
        write("HIT /foo/");
        create("");
        assertEquals(IcpVerdict.HIT, decide("http://example.com/foo/"));

        write("# now denied", "DENIED /foo/");

        await().atMost(Duration.ofSeconds(10)).until(() -> decide("http://example.com/foo/") == IcpVerdict.DENIED);
    }

    @Test
    void fileReplacedByRenameIsReloaded() throws Exception {
        write("HIT /foo/");
        create("");

        replace("MISS /foo/");

        await().atMost(Duration.ofSeconds(10)).until(() -> decide("http://example.com/foo/") == IcpVerdict.MISS);
    }

    @Test
    void brokenRewriteKeepsTheRulesInForce() throws Exception {
        write("HIT /foo/");
        create("");

        replace("HIT /foo/(");
        awaitAPollSinceNow();

        assertEquals(IcpVerdict.HIT, decide("http://example.com/foo/"));
    }

    @Test
    void goodVersionAfterABrokenOneIsLoaded() throws Exception {
        write("HIT /foo/");
        create("");
        replace("SOMETIMES /foo/");
        awaitAPollSinceNow();

        replace("DENIED /foo/");

        await().atMost(Duration.ofSeconds(10)).until(() -> decide("http://example.com/foo/") == IcpVerdict.DENIED);
    }

    @Test
    void deletedFileKeepsItsLastRules() throws Exception {
        write("HIT /foo/");
        create("");

        Files.delete(file);
        awaitAPollSinceNow();

        assertEquals(IcpVerdict.HIT, decide("http://example.com/foo/"));
    }

    @Test
    void closedPolicyStopsWatching() throws Exception {
        write("HIT /foo/");
        create("");

        policy.close();
        replace("DENIED /foo/");
        awaitAPollSinceNow();

        assertEquals(IcpVerdict.HIT, decide("http://example.com/foo/"));
    }

    @Test
    void missingFileIsASettingError() {
        ConfigException e = assertThrows(ConfigException.class, () -> create(""));

        assertTrue(e.getMessage().contains("'file'"), e.getMessage());
        assertTrue(e.getMessage().contains(file + ": no such file"), e.getMessage());
    }

    @Test
    void fileThatDoesNotParseIsASettingErrorNamingItsLine() throws Exception {
        write("HIT /foo/", "HIT a(b");

        ConfigException e = assertThrows(ConfigException.class, () -> create(""));

        assertTrue(e.getMessage().contains("'file'"), e.getMessage());
        assertTrue(e.getMessage().contains(file + ":2: invalid regular expression"), e.getMessage());
    }

    @Test
    void fileSettingIsRequired() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new RulesPolicyProvider().create(TestContext.of("20-rules", "verdict = HIT", housekeeping)));

        assertTrue(e.getMessage().contains("'file'"), e.getMessage());
    }

    @Test
    void badVerdictIsASettingError() throws Exception {
        write("HIT /foo/");

        ConfigException e = assertThrows(ConfigException.class, () -> create("verdict = SOMETIMES"));

        assertTrue(e.getMessage().contains("'verdict'"), e.getMessage());
        assertTrue(e.getMessage().contains("SOMETIMES"), e.getMessage());
    }

    @Test
    void reloadIntervalMustBePositive() throws Exception {
        write("HIT /foo/");

        ConfigException e = assertThrows(ConfigException.class, () -> new RulesPolicyProvider().create(TestContext.of("20-rules",
                "file = " + ConfigUtil.quoteString(file.toString()) + "\nreload-interval = 0s", housekeeping)));

        assertTrue(e.getMessage().contains("'reload-interval'"), e.getMessage());
    }

    @Test
    void rulesCanBeSetDirectly() {
        RulesPolicy rules = new RulesPolicy(IcpVerdict.MISS);
        rules.setRules(List.of(new Rule(1, null, java.util.regex.Pattern.compile("a")),
                new Rule(2, "HIT", java.util.regex.Pattern.compile("b"))));

        assertEquals(IcpVerdict.MISS, rules.decide(TestQuery.of("http://a/")));
        assertEquals(IcpVerdict.HIT, rules.decide(TestQuery.of("http://b/")));
        assertNull(rules.decide(TestQuery.of("http://c/")));
    }
}
