package sibyl.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
    @TempDir
    Path directory;

    @Test
    void defaultsFollowSquidAndAllowLoopbackOnly() {
        NodeSettings settings = SettingsLoader.defaults();

        assertEquals("", settings.name());
        assertEquals(List.of(new InetSocketAddress(3130)), settings.icp().listen());
        assertEquals(0, settings.icp().threads());
        assertEquals(4 << 20, settings.icp().receiveBufferBytes());
        assertTrue(settings.icp().nativeTransport());
        assertEquals(Path.of("plugins"), settings.icp().pluginDirectory());
        assertEquals(List.of("10-acl", "50-cache"), settings.icp().policies().stream().map(PolicySettings::name).toList());
        PolicySettings acl = settings.icp().policies().get(0);
        assertEquals("10-acl", acl.name());
        assertEquals("icp.policies.10-acl", acl.key());
        assertEquals("acl", acl.block().getString("type"));
        assertEquals(List.of("127.0.0.0/8", "::1/128"), acl.block().getStringList("allow"));
    }

    @Test
    void theAdminListenerIsOnLoopbackByDefaultAndAnEmptyListTurnsItOff() throws IOException {
        AdminSettings defaults = SettingsLoader.defaults().admin();
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 3131)), defaults.listen());
        assertTrue(defaults.enabled());
        assertEquals(Map.of(), SettingsLoader.defaults().logLevels());

        NodeSettings off = SettingsLoader.load(write("admin.listen = []\nadmin.allow = [\"10.0.0.0/8\"]\n"
                + "node.log-levels { \"sibyl.node.origin\" = debug, ROOT = warn }\n"), Map.of());
        assertEquals(false, off.admin().enabled());
        assertEquals(1, off.admin().allow().size());
        assertEquals(Map.of("sibyl.node.origin", "DEBUG", "ROOT", "WARN"), off.logLevels());
    }

    @Test
    void aLogLevelThatIsNoneIsRefusedNamingTheLogger() throws IOException {
        Path file = write("node.log-levels { \"sibyl.node\" = LOUD }\n");
        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));
        assertEquals("node.log-levels.\"sibyl.node\" = \"LOUD\" (" + file + ": 1): expected one of"
                + " [DEBUG, ERROR, INFO, OFF, TRACE, WARN]", e.getMessage());
    }

    @Test
    void aFileOverridesTheDefaultsAndAddsPoliciesInNameOrder() throws IOException {
        Path file = write("""
                node.name = alpha
                icp {
                  listen = ["127.0.0.1:4130", "[::1]:4131"]
                  threads = 3
                  receive-buffer = 1m
                  policies {
                    30-warm { type = warmup, duration = 5s }
                    20-rules { type = rules, file = /etc/sibyl/icp.rules }
                  }
                }
                """);

        NodeSettings settings = SettingsLoader.load(file, Map.of());

        assertEquals("alpha", settings.name());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 4130), new InetSocketAddress("::1", 4131)),
                settings.icp().listen());
        assertEquals(3, settings.icp().threads());
        assertEquals(1 << 20, settings.icp().receiveBufferBytes());
        assertEquals(List.of("10-acl", "20-rules", "30-warm", "50-cache"),
                settings.icp().policies().stream().map(PolicySettings::name).toList());
    }

    @Test
    void aPolicySetToNullIsRemoved() throws IOException {
        Path file = write("icp.policies.10-acl = null\nicp.policies.50-cache = null\n");

        assertEquals(List.of(), SettingsLoader.load(file, Map.of()).icp().policies());
    }

    @Test
    void environmentVariablesOverrideTheFile() throws IOException {
        Path file = write("icp.threads = 3\nicp.receive-buffer = 1m\n");

        NodeSettings settings = SettingsLoader.load(file, Map.of(
                "SIBYL_ICP_THREADS", "5",
                "SIBYL_ICP_RECEIVE__BUFFER", "2m",
                "SIBYL_ICP_LISTEN", "[\"127.0.0.1:5130\"]",
                "PATH", "/usr/bin"));

        assertEquals(5, settings.icp().threads());
        assertEquals(2 << 20, settings.icp().receiveBufferBytes());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 5130)), settings.icp().listen());
    }

    @Test
    void aBadValueNamesKeyValueFileAndLine() throws IOException {
        Path file = write("node.name = beta\n\nicp.threads = -2\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertEquals("icp.threads = -2 (" + file + ": 3): must not be negative", e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeNamesKeyValueFileAndLine() throws IOException {
        Path file = write("icp.threads = many\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertEquals("icp.threads = \"many\" (" + file + ": 1): expected a whole number", e.getMessage());
    }

    @Test
    void staleServingAndTargetedFieldsHaveTheirDefaultsAndChecks() throws IOException {
        NodeSettings defaults = SettingsLoader.defaults();
        assertEquals(java.time.Duration.ZERO, defaults.cache().staleWhileRevalidate());
        assertEquals(java.time.Duration.ofHours(1), defaults.cache().staleIfError());
        assertEquals(List.of("Sibyl-Cache-Control", "CDN-Cache-Control"), defaults.http().targetedCacheControl());

        Path badName = write("http.targeted-cache-control = [\"CDN Cache-Control\"]\n");
        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(badName, Map.of()));
        assertEquals("http.targeted-cache-control[0] = \"CDN Cache-Control\" (" + badName
                + ": 1): expected a header field name such as \"CDN-Cache-Control\"", e.getMessage());
        Path negative = write("cache.grace.stale-if-error = -1s\n");
        SettingsException n = assertThrows(SettingsException.class, () -> SettingsLoader.load(negative, Map.of()));
        assertTrue(n.getMessage().startsWith("cache.grace.stale-if-error = "), n.getMessage());
    }

    @Test
    void aCheckReportsEveryBadSettingWithItsFileAndLineNotJustTheFirst() throws IOException {
        Path file = write("icp.threads = -1\nhttp.max-pipelined = many\ncache.slice-size = 1k\nhttp.colour = blue\n"
                + "cache.memory = 512m\n");

        List<SettingsException> errors = SettingsLoader.check(file, Map.of("SIBYL_HTTP_THREADS", "x"));

        assertEquals(List.of("http.colour", "icp.threads", "http.threads", "http.max-pipelined", "cache.slice-size"),
                errors.stream().map(SettingsException::key).toList());
        assertEquals("http.colour: unknown setting (" + file + ": 4); see reference.conf for the settings Sibyl reads",
                errors.get(0).getMessage());
        assertEquals("icp.threads = -1 (" + file + ": 1): must not be negative", errors.get(1).getMessage());
        assertEquals("http.threads = \"x\" (environment variable SIBYL_HTTP_THREADS): expected a whole number",
                errors.get(2).getMessage());
        assertTrue(errors.get(4).getMessage().startsWith("cache.slice-size = \"1k\" (" + file + ": 3): "),
                errors.get(4).getMessage());
    }

    @Test
    void aFileThatLoadsChecksCleanAndOneThatDoesNotParseIsOneError() throws IOException {
        assertEquals(List.of(), SettingsLoader.check(write("icp.threads = 2\n"), Map.of()));

        List<SettingsException> unparsable = SettingsLoader.check(write("icp {\n threads = 2\n"), Map.of());
        assertEquals(1, unparsable.size());
        assertNull(unparsable.get(0).key());
        assertTrue(unparsable.get(0).getMessage().contains("sibyl.conf: 3"), unparsable.get(0).getMessage());
    }

    @Test
    void theEffectiveSettingsSayWhereEachValueCameFrom() throws IOException {
        Path file = write("icp.threads = 2\n");

        Map<String, SettingsLoader.Effective> effective = SettingsLoader.effective(file, Map.of("SIBYL_HTTP_THREADS", "3"))
                .stream().collect(java.util.stream.Collectors.toMap(SettingsLoader.Effective::key, e -> e));

        assertEquals(new SettingsLoader.Effective("icp.threads", "2", file + ": 1"), effective.get("icp.threads"));
        assertEquals(new SettingsLoader.Effective("http.threads", "\"3\"", "environment variable SIBYL_HTTP_THREADS"),
                effective.get("http.threads"));
        assertEquals(new SettingsLoader.Effective("cache.memory", "\"256m\"", "default"), effective.get("cache.memory"));
    }

    @Test
    void rangeMissesAreSlicedInMebibytesUnlessTurnedOffAndTinySlicesAreRefused() throws IOException {
        assertEquals(1 << 20, SettingsLoader.defaults().cache().sliceBytes());
        assertEquals(0, SettingsLoader.load(write("cache.slice-size = 0\n"), Map.of()).cache().sliceBytes());
        assertEquals(4 << 20, SettingsLoader.load(write("cache.slice-size = 4m\n"), Map.of()).cache().sliceBytes());

        Path tiny = write("cache.slice-size = 1k\n");
        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(tiny, Map.of()));
        assertEquals("cache.slice-size = \"1k\" (" + tiny + ": 1): must be 0 (off) or at least 16k: each slice costs an"
                + " origin request", e.getMessage());
    }

    @Test
    void aBadListenAddressSaysWhatIsWrong() throws IOException {
        Path file = write("icp.listen = [\"127.0.0.1:3130\", \"localhost\"]\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertEquals("icp.listen[1] = \"localhost\" (" + file + ": 1): 'localhost' is not HOST:PORT or [IPv6]:PORT",
                e.getMessage());
    }

    @Test
    void portsOutOfRangeAndUnbracketedIpv6AreRejected() {
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("127.0.0.1:65536"));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:3130"));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("127.0.0.1:http"));
        assertEquals(new InetSocketAddress(3130), HostPort.parse("*:3130"));
        assertEquals(new InetSocketAddress("::1", 0), HostPort.parse("[::1]:0"));
    }

    @Test
    void aBadEnvironmentValueNamesTheVariable() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load(null, Map.of("SIBYL_ICP_RECEIVE__BUFFER", "lots")));

        assertEquals("icp.receive-buffer = \"lots\" (environment variable SIBYL_ICP_RECEIVE__BUFFER): "
                + "expected a size such as 4m or 65536", e.getMessage());
    }

    @Test
    void anUnknownKeyIsATypo() throws IOException {
        Path file = write("icp {\n  threds = 2\n}\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertTrue(e.getMessage().startsWith("icp.threds: unknown setting (" + file + ": 2)"), e.getMessage());
    }

    @Test
    void anUnknownEnvironmentKeyIsATypoToo() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load(null, Map.of("SIBYL_ICP_THREDS", "2")));

        assertTrue(e.getMessage().startsWith("icp.threds: unknown setting (environment variable SIBYL_ICP_THREDS)"),
                e.getMessage());
    }

    @Test
    void variablesOutsideTheSettingsSectionsAreLeftAlone() {
        NodeSettings settings = SettingsLoader.load(null, Map.of("SIBYL_HOME", "/opt/sibyl", "SIBYL_VERSION", "1"));

        assertEquals(SettingsLoader.defaults(), settings);
    }

    @Test
    void oneListenAddressMayBeAPlainString() {
        NodeSettings settings = SettingsLoader.load(null, Map.of("SIBYL_ICP_LISTEN", "127.0.0.1:4131"));

        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 4131)), settings.icp().listen());
    }

    @Test
    void aNegativeSizeSaysSo() throws IOException {
        Path file = write("icp.receive-buffer = -1\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertEquals("icp.receive-buffer = -1 (" + file + ": 1): must not be negative", e.getMessage());
    }

    @Test
    void aPolicyWithoutTypeNamesItsKey() throws IOException {
        Path file = write("icp.policies.20-mine { file = x }\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertTrue(e.getMessage().startsWith("icp.policies.20-mine.type: missing (" + file + ": 1)"), e.getMessage());
    }

    @Test
    void aSyntaxErrorNamesFileAndLine() throws IOException {
        Path file = write("icp {\n  threads = 2\n  listen = [\n");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));

        assertTrue(e.getMessage().contains(file + ": 4"), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = directory.resolve("nope.conf");

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(missing, Map.of()));

        assertEquals(missing + ": no such configuration file", e.getMessage());
    }

    @Test
    void environmentNamesMapToKeys() {
        assertEquals("icp.receive-buffer", SettingsLoader.keyOf("ICP_RECEIVE__BUFFER"));
        assertEquals("icp.policies.10-acl.allow", SettingsLoader.keyOf("ICP_POLICIES_10__ACL_ALLOW"));
    }

    private Path write(String text) throws IOException {
        Path file = directory.resolve("sibyl.conf");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void httpCacheAndOriginDefaults() {
        NodeSettings settings = SettingsLoader.defaults();

        assertEquals(List.of(new InetSocketAddress(3128)), settings.http().listen());
        assertEquals(List.of(sibyl.icp.policy.builtin.Cidr.parse("127.0.0.0/8"), sibyl.icp.policy.builtin.Cidr.parse("::1/128")).toString(), settings.http().allow().toString());
        assertEquals(Map.of(), settings.http().accelerate());
        assertEquals(java.util.Optional.empty(), settings.http().accessLog());
        assertEquals(java.util.Optional.empty(), settings.http().dropRules());
        assertEquals(8192, settings.http().limits().maxRequestLine());
        assertEquals(64 << 10, settings.http().limits().maxHeaderSize());
        assertEquals(256L << 20, settings.cache().memoryBytes());
        assertEquals(32L << 20, settings.cache().maxObjectBytes());
        assertEquals(java.time.Duration.ofSeconds(5), settings.origin().connectTimeout());
        assertEquals(256, settings.origin().maxConnections());
    }

    @Test
    void acceleratedHostsAreQuotedNamesMappedToOrigins() throws IOException {
        Path file = write("""
                http.accelerate { "WWW.Example.com" = "127.0.0.1:8080", "*" = "127.0.0.2:80" }
                cache.memory = 1g
                """);

        NodeSettings settings = SettingsLoader.load(file, Map.of("SIBYL_CACHE_MAX__OBJECT__SIZE", "2m"));

        assertEquals(Map.of("www.example.com", new InetSocketAddress("127.0.0.1", 8080),
                "*", new InetSocketAddress("127.0.0.2", 80)), settings.http().accelerate());
        assertEquals(1L << 30, settings.cache().memoryBytes());
        assertEquals(2L << 20, settings.cache().maxObjectBytes());
    }

    @Test
    void badHttpSettingsNameTheKeyAndTheFile() throws IOException {
        assertMessage("http.accelerate.www = {\"example\":{\"com\":\"127.0.0.1:80\"}}", "quote host names",
                "http.accelerate { www.example.com = \"127.0.0.1:80\" }\n");
        assertMessage("http.allow[1] = \"10.0.0.0/33\"", "prefix length",
                "http.allow = [\"127.0.0.1\", \"10.0.0.0/33\"]\n");
        assertMessage("origin.read-timeout = 0", "must be positive", "origin.read-timeout = 0\n");
        assertMessage("cache.memory = \"lots\"", "expected a size", "cache.memory = lots\n");
        assertMessage("origin.max-connections = 0", "at least 1", "origin.max-connections = 0\n");
        assertMessage("http.acess-log", "unknown setting", "http.acess-log = /tmp/a\n");
    }

    @Test
    void thePipeStoreDefaultsToAutoLimits() {
        PipeSettings pipe = SettingsLoader.defaults().cache().pipe();

        assertTrue(pipe.enabled());
        assertEquals(java.util.OptionalLong.empty(), pipe.memoryBytes(), "auto");
        assertEquals(java.util.OptionalLong.empty(), pipe.descriptors(), "auto");
        assertTrue(pipe.minObjectBytes() <= pipe.maxObjectBytes());
        assertEquals(1, Integer.bitCount(pipe.pipeBytes()));
    }

    @Test
    void pipeSettingsComeFromFilesAndVariables() throws IOException {
        Path file = write("""
                cache.pipe { min-object-size = 4k, max-object-size = 8m, memory = 16m, descriptors = 500 }
                """);

        PipeSettings pipe = SettingsLoader.load(file, Map.of("SIBYL_CACHE_PIPE_SIZE", "1m",
                "SIBYL_CACHE_PIPE_TRANSFERS", "8")).cache().pipe();

        assertEquals(new PipeSettings(true, 4096, 8L << 20, java.util.OptionalLong.of(16L << 20), 1 << 20, 8,
                java.util.OptionalLong.of(500)), pipe);
    }

    @Test
    void splicingUnstoredBodiesHasAThresholdAndCanBeTurnedOff() {
        assertEquals(256L << 10, SettingsLoader.defaults().origin().spliceMinBytes());
        assertEquals(1L << 20, SettingsLoader.load(null, Map.of("SIBYL_ORIGIN_SPLICE__MIN__SIZE", "1m"))
                .origin().spliceMinBytes());
        assertEquals(-1, SettingsLoader.load(null, Map.of("SIBYL_ORIGIN_SPLICE", "false")).origin().spliceMinBytes());
    }

    @Test
    void originPoolsAreBoundedAndEvictedWhenIdle() throws IOException {
        OriginSettings defaults = SettingsLoader.defaults().origin();
        assertEquals(4096, defaults.maxPools());
        assertEquals(java.time.Duration.ofSeconds(30), defaults.poolIdleTimeout());

        OriginSettings set = SettingsLoader.load(write("origin { max-pools = 100, pool-idle-timeout = 250ms }\n"),
                Map.of("SIBYL_ORIGIN_MAX__POOLS", "50")).origin();
        assertEquals(50, set.maxPools());
        assertEquals(java.time.Duration.ofMillis(250), set.poolIdleTimeout());

        Path file = write("origin.read-timeout = 5s\norigin.max-pools = 0\n");
        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));
        assertEquals("origin.max-pools = 0 (" + file + ": 2): must be at least 1", e.getMessage());
        assertMessage("origin.max-pools = \"many\"", "whole number", "origin.max-pools = many\n");
        assertMessage("origin.pool-idle-timeout = 0", "must be positive", "origin.pool-idle-timeout = 0\n");
        assertMessage("origin.pool-idle-timeout = \"soon\"", "duration", "origin.pool-idle-timeout = soon\n");
    }

    @Test
    void badPipeSettingsNameTheKeyAndTheFile() throws IOException {
        assertMessage("cache.pipe.size = \"300k\"", "power of two", "cache.pipe.size = 300k\n");
        assertMessage("cache.pipe.max-object-size = \"1k\"", "must not be below cache.pipe.min-object-size",
                "cache.pipe { min-object-size = 4k, max-object-size = 1k }\n");
        assertMessage("cache.pipe.memory = \"some\"", "expected a size", "cache.pipe.memory = some\n");
        assertMessage("cache.pipe.transfers = 0", "at least 1", "cache.pipe.transfers = 0\n");
        assertMessage("cache.pipe.descriptors = \"many\"", "expected", "cache.pipe.descriptors = many\n");
    }

    @Test
    void theClusterIsOffByDefault() {
        ClusterSettings cluster = SettingsLoader.defaults().cluster();

        assertEquals(false, cluster.enabled());
        assertEquals("sibyl", cluster.name());
        assertEquals(new InetSocketAddress("127.0.0.1", 5701), cluster.listen());
        assertEquals(List.of(), cluster.members());
        assertEquals(ClusterSettings.Mode.PARENT, cluster.mode());
        assertEquals(java.time.Duration.ofSeconds(10), cluster.drainTimeout());
        assertEquals(ClusterSettings.DEFAULT_BALANCE_FACTOR, cluster.balanceFactor());
        assertEquals(ClusterSettings.DEFAULT_HANDOVER, cluster.handover());
        assertEquals(ClusterSettings.Handoff.DEFAULT, cluster.handoff());
        assertEquals(new WarmUpSettings(20_000, 5_000), SettingsLoader.defaults().warmUp());
    }

    @Test
    void memberNamesAreLeftForHazelcastToResolve() throws IOException {
        Path file = write("""
                cluster { enabled = true, members = ["node1:5701", "node2.invalid:5701", "10.0.0.3:5702"], mode = sibling }
                """);

        ClusterSettings cluster = SettingsLoader.load(file, Map.of()).cluster();

        assertEquals(List.of("node1:5701", "node2.invalid:5701", "10.0.0.3:5702"),
                cluster.members().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        assertTrue(cluster.members().get(1).isUnresolved(), "not looked up when the settings are read");
        assertEquals(ClusterSettings.Mode.SIBLING, cluster.mode());
    }

    @Test
    void badClusterSettingsNameTheKeyAndTheFile() throws IOException {
        assertMessage("cluster.mode = \"leader\"", "expected parent or sibling", "cluster.mode = leader\n");
        assertMessage("cluster.members[1] = \"node2\"", "HOST:PORT", "cluster.members = [\"node1:5701\", \"node2\"]\n");
        assertMessage("cluster.name = \" \"", "must not be empty", "cluster.name = \" \"\n");
        assertMessage("cluster.drain-timeout = 0", "must be positive", "cluster.drain-timeout = 0\n");
        assertMessage("cluster.balance-factor = 0.9", "at least 1.0", "cluster.balance-factor = 0.9\n");
        assertMessage("cluster.balance-factor = \"even\"", "expected a number", "cluster.balance-factor = even\n");
        assertMessage("cluster.handover = 0", "must be positive", "cluster.handover = 0\n");
        assertMessage("cluster.handoff.max-bytes = \"-1m\"", "must not be negative", "cluster.handoff.max-bytes = -1m\n");
        assertMessage("cluster.handoff.timeout = \"-1s\"", "must not be negative", "cluster.handoff.timeout = -1s\n");
        assertMessage("warm-up.icp-queries = -1", "must not be negative", "warm-up.icp-queries = -1\n");
    }

    private void assertMessage(String start, String why, String content) throws IOException {
        Path file = write(content);
        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(file, Map.of()));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
