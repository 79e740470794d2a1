package sibyl.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.config.SettingsLoader;
import sibyl.node.cache.CacheKey;

/**
 * Debian's Squid in front of three clustered nodes, every node an ICP parent ({@code cache deny
 * all} in Squid, so only the nodes cache): each URL goes to the one node that owns it, the origin
 * is asked once per URL, each object is stored on exactly one node, and a second round is all
 * parent hits served from the nodes' caches.
 */
class SquidClusterTest {
    private static final int NODES = 3;
    private static final InetAddress SQUID_ICP = SquidProcess.loopback(2);

    @TempDir
    static Path directory;
    static HttpServer origin;
    static final Map<String, AtomicInteger> originRequests = new ConcurrentHashMap<>();
    static final List<SibylNode> nodes = new ArrayList<>();
    static SquidProcess squid;
    static HttpClient throughSquid;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SquidProcess.installed(), "squid is not installed (apt-get install -y squid; .ci/run does this)");
        origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            originRequests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = ("origin body for " + path).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();

        List<String> members = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            members.add("\"127.0.0.1:" + SquidProcess.freeTcpPort() + "\"");
        }
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            Path config = directory.resolve("node-" + i + ".conf");
            Files.writeString(config, """
                    node.name = sibyl-%d
                    icp.listen = ["127.0.0.1:0"]
                    http.listen = ["127.0.0.1:0"]
                    admin.listen = ["127.0.0.1:0"]
                    cluster { enabled = true, name = squid-cluster-test, listen = %s, members = [%s] }
                    """.formatted(i, members.get(i), String.join(", ", members)));
            SibylNode node = SibylNode.start(SettingsLoader.load(config, Map.of()));
            nodes.add(node);
            peers.add("cache_peer 127.0.0.1 parent " + node.httpAddresses().get(0).getPort() + " "
                    + node.icpAddresses().get(0).getPort() + " no-digest name=sibyl-" + i);
        }
        await("three members").atMost(Duration.ofSeconds(30)).until(() -> nodes.get(0).clusterMembers() == NODES);
        List<String> directives = new ArrayList<>(peers);
        directives.add("cache deny all"); // a HIT can only be a node's
        squid = SquidProcess.startRoutingByIcp(directory, SQUID_ICP, directives);
        throughSquid = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(squid.httpAddress())).connectTimeout(Duration.ofSeconds(5)).build();
        // Squid asks a parent by ICP only once a TCP probe has found it up: wait until it routes by ICP.
        AtomicInteger probe = new AtomicInteger();
        await("Squid routing by ICP").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String url = originUrl("/probe/" + probe.incrementAndGet());
            get(url);
            // Squid may not have logged the request yet: an empty list is "not yet", not a failure.
            return hierarchies(url).stream().findFirst().map(hierarchy -> hierarchy.startsWith("PARENT_HIT/"))
                    .orElse(false);
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (squid != null) {
            squid.close();
        }
        nodes.forEach(SibylNode::close);
        if (origin != null) {
            origin.stop(0);
        }
    }

    @Test
    void eachUrlIsFetchedOnceAndStoredOnExactlyOneNodeAndTheSecondRoundIsAllHits() throws Exception {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            urls.add(originUrl("/object/" + i));
        }
        for (int round = 0; round < 2; round++) {
            for (String url : urls) {
                HttpResponse<String> response = get(url);
                assertEquals(200, response.statusCode());
                assertEquals("origin body for " + URI.create(url).getPath(), response.body());
            }
        }
        int[] perNode = new int[NODES];
        for (String url : urls) {
            assertEquals(1, originRequests.get(URI.create(url).getPath()).get(), url + ": the origin asked once");
            int holders = 0;
            for (int n = 0; n < NODES; n++) {
                if (!nodes.get(n).index().peek(CacheKey.of(url)).isEmpty()) {
                    holders++;
                    perNode[n]++;
                }
            }
            assertEquals(1, holders, url + " is stored on exactly one node");
            List<String> hierarchies = hierarchies(url);
            assertEquals(2, hierarchies.size(), url);
            for (String hierarchy : hierarchies) {
                assertTrue(hierarchy.startsWith("PARENT_HIT/"), url + ": " + hierarchies);
            }
        }
        for (int count : perNode) {
            assertTrue(count > 10, "ownership spreads the URLs over the nodes: " + java.util.Arrays.toString(perNode));
        }
        long nodeHits = nodes.stream().mapToLong(node -> node.httpStats().hits()).sum();
        await().atMost(Duration.ofSeconds(5)).until(() -> nodes.stream().mapToLong(n -> n.httpStats().hits()).sum() >= 100);
        assertTrue(nodeHits <= 100 + probeCount(), "second round served from the nodes' caches");
    }

    private static long probeCount() {
        return originRequests.keySet().stream().filter(path -> path.startsWith("/probe/")).count();
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return throughSquid.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The hierarchy field of Squid's access.log lines for {@code url}, oldest first. */
    private static List<String> hierarchies(String url) throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : squid.accessLog()) {
            String[] fields = line.split("\\s+");
            if (fields.length > 8 && fields[6].equals(url)) {
                found.add(fields[8]);
            }
        }
        return found;
    }

    private static String originUrl(String path) {
        return "http://127.0.0.1:" + origin.getAddress().getPort() + path;
    }
}
