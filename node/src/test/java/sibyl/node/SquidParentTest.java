package sibyl.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.config.SettingsLoader;

/**
 * Debian's Squid with two nodes as ICP parents: Squid must act on the nodes' verdicts, as the
 * hierarchy codes of its access.log show. The parents' HTTP side is a plain test server whose
 * body says which parent Squid chose ({@link SquidHttpParentTest} has the node serve HTTP too).
 *
 * <p>Squid waits a fixed ICP timeout ({@link SquidProcess#startRoutingByIcp}): how fast the node
 * answers is measured by bench/icp.sh, not asserted by a test.
 *
 * <p>Node A (127.0.0.1) answers from a rule file: HIT for /hit/, MISS_NOFETCH for /nofetch/, MISS
 * otherwise. Node B (127.0.0.3) answers MISS to everything. Squid ignores ICP replies from the
 * address of its own ICP socket, so Squid's ICP side is on 127.0.0.2.
 */
class SquidParentTest {
    private static final InetAddress NODE_A = SquidProcess.loopback(1);
    private static final InetAddress SQUID_ICP = SquidProcess.loopback(2);
    private static final InetAddress NODE_B = SquidProcess.loopback(3);

    @TempDir
    static Path directory;

    static TestHttpServer origin;
    static TestHttpServer parentA;
    static TestHttpServer parentB;
    static SibylNode nodeA;
    static SibylNode nodeB;
    static SquidProcess squid;
    static HttpClient client;
    static final Map<String, InetSocketAddress> askedBy = new ConcurrentHashMap<>();
    static final AtomicInteger warmups = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SquidProcess.installed(), "squid is not installed (apt-get install -y squid; .ci/run does this)");
        origin = new TestHttpServer("from the origin");
        parentA = new TestHttpServer(NODE_A, "from parent A");
        parentB = new TestHttpServer(NODE_B, "from parent B");

        Path rules = directory.resolve("verdicts.rules");
        Files.writeString(rules, "HIT /hit/\nMISS_NOFETCH /nofetch/\n");
        nodeA = startNode("node-a.conf", """
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                icp.policies.20-rules { type = rules, file = "%s" }
                """.formatted(rules));
        nodeA.policies().register("00-recorder", query -> {
            askedBy.put(query.url(), query.sender());
            return null;
        });
        nodeB = startNode("node-b.conf", "icp.listen = [\"127.0.0.3:0\"]\nhttp.listen = [\"127.0.0.3:0\"]\nadmin.listen = [\"127.0.0.3:0\"]\n");

        squid = SquidProcess.startRoutingByIcp(directory, SQUID_ICP, List.of(
                "cache_peer 127.0.0.1 parent " + parentA.port() + " " + nodeA.icpAddresses().get(0).getPort() + " no-digest",
                "cache_peer 127.0.0.3 parent " + parentB.port() + " " + nodeB.icpAddresses().get(0).getPort() + " no-digest"));
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(squid.httpAddress()))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        // Squid queries a parent by ICP only once a TCP probe has found it up: wait for that.
        await("Squid routing by ICP").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String url = originUrl("/hit/warm-up-" + warmups.incrementAndGet());
            fetch(url);
            return hierarchyOf(url).equals("PARENT_HIT/127.0.0.1");
        });
    }

    private static SibylNode startNode(String file, String config) throws Exception {
        Path path = directory.resolve(file);
        Files.writeString(path, config);
        return SibylNode.start(SettingsLoader.load(path, Map.of()));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable resource : new AutoCloseable[] {squid, nodeA, nodeB, parentA, parentB, origin}) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Test
    void squidForwardsToTheParentThatAnswersHit() throws Exception {
        String url = originUrl("/hit/object-1");

        assertEquals("from parent A", fetch(url));

        assertEquals("PARENT_HIT/127.0.0.1", hierarchyOf(url));
        assertEquals(SQUID_ICP, askedBy.get(url).getAddress(), "node A was asked from Squid's ICP socket");
    }

    @Test
    void squidSkipsTheParentThatAnswersMissNoFetch() throws Exception {
        String url = originUrl("/nofetch/object-2");

        assertEquals("from parent B", fetch(url));

        assertEquals("FIRST_PARENT_MISS/127.0.0.3", hierarchyOf(url));
        assertEquals(SQUID_ICP, askedBy.get(url).getAddress(), "node A was asked too");
    }

    @Test
    void squidFetchesThroughAParentThatAnswersMiss() throws Exception {
        String url = originUrl("/other/object-3");

        String body = fetch(url);

        String hierarchy = hierarchyOf(url);
        assertTrue(hierarchy.equals("FIRST_PARENT_MISS/127.0.0.1") || hierarchy.equals("FIRST_PARENT_MISS/127.0.0.3"),
                () -> hierarchy + "\n" + String.join("\n", accessLogQuietly()) + squid.log());
        assertEquals(hierarchy.endsWith("127.0.0.1") ? "from parent A" : "from parent B", body);
    }

    @Test
    void fiftyHitsInARowAllGoToTheNodeThatAnsweredHit() throws Exception {
        for (int i = 0; i < 50; i++) {
            String url = originUrl("/hit/repeat-" + i);
            assertEquals("from parent A", fetch(url));
            assertEquals("PARENT_HIT/127.0.0.1", hierarchyOf(url));
        }
        assertTrue(squid.isAlive(), squid.log());
        assertTrue(origin.requests().isEmpty(), "Squid never went to the origin: " + origin.requests());
    }

    private static String fetch(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), () -> "status for " + url + "\n" + squid.log());
        return response.body();
    }

    /** The hierarchy field ("PARENT_HIT/127.0.0.1") of the access.log line for {@code url}. */
    private static String hierarchyOf(String url) {
        return await("access.log line for " + url).atMost(Duration.ofSeconds(10))
                .until(() -> accessLogLine(url), Optional::isPresent)
                .map(line -> line.split("\\s+")[8])
                .orElseThrow();
    }

    private static List<String> accessLogQuietly() {
        try {
            return squid.accessLog();
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }

    private static Optional<String> accessLogLine(String url) throws IOException {
        return squid.accessLog().stream().filter(line -> line.split("\\s+")[6].equals(url)).findFirst();
    }

    private static String originUrl(String path) {
        return "http://127.0.0.1:" + origin.port() + path;
    }

}
