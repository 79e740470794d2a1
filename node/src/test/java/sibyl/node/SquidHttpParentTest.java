package sibyl.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import sibyl.icp.client.IcpClient;
import sibyl.icp.wire.IcpOpcode;

/**
 * Debian's Squid with a Sibyl node as its only parent, the node answering both ICP and HTTP: a
 * URL the node holds is answered ICP_OP_HIT, Squid sends the request to the node
 * ({@code PARENT_HIT/127.0.0.1} in its access.log) and the node serves it from its cache
 * ({@code X-Cache: HIT from sibyl-a}), the origin asked once in all. A URL the node does not hold
 * is answered ICP_OP_MISS and Squid fetches it as a miss.
 *
 * <p>Squid caches nothing itself ({@code cache deny all}), so each request through it reaches a
 * peer or the origin, and the only cache that can answer a HIT is the node's. Squid ignores ICP
 * replies from the address of its own ICP socket, so Squid's ICP side is on 127.0.0.2.
 */
class SquidHttpParentTest {
    private static final String NODE_NAME = "sibyl-a";
    private static final InetAddress SQUID_ICP = SquidProcess.loopback(2);

    @TempDir
    static Path directory;

    static HttpServer origin;
    static final Map<String, AtomicInteger> originRequests = new ConcurrentHashMap<>();
    static SibylNode node;
    static SquidProcess squid;
    static HttpClient throughSquid;
    static HttpClient throughNode;
    static final Map<String, InetSocketAddress> askedBy = new ConcurrentHashMap<>();
    static final AtomicInteger probes = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SquidProcess.installed(), "squid is not installed (apt-get install -y squid; .ci/run does this)");
        origin = cacheableOrigin();

        Path config = directory.resolve("node.conf");
        Files.writeString(config, """
                node.name = %s
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                http.access-log = "%s"
                """.formatted(NODE_NAME, directory.resolve("node-access.log")));
        node = SibylNode.start(SettingsLoader.load(config, Map.of()));
        node.policies().register("00-recorder", query -> {
            askedBy.put(query.url(), query.sender());
            return null;
        });
        throughNode = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(node.httpAddresses().get(0)))
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        squid = SquidProcess.startRoutingByIcp(directory, SQUID_ICP, List.of(
                "cache_peer 127.0.0.1 parent " + node.httpAddresses().get(0).getPort() + " "
                        + node.icpAddresses().get(0).getPort() + " no-digest",
                // Squid stores nothing: a HIT can only be the node's.
                "cache deny all"));
        throughSquid = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(squid.httpAddress()))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        // Squid queries a parent by ICP only once a TCP probe has found it up: wait for that,
        // with URLs the node holds.
        await("Squid routing by ICP").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String url = originUrl("/probe/" + probes.incrementAndGet());
            get(throughNode, url);
            get(throughSquid, url);
            return hierarchyOf(url).equals("PARENT_HIT/127.0.0.1");
        });
    }

    /** An origin whose responses may be stored for an hour, counting the requests for each path. */
    private static HttpServer cacheableOrigin() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            originRequests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = bodyFor(path).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.getResponseHeaders().set("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable resource : new AutoCloseable[] {squid, node}) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        if (origin != null) {
            origin.stop(0);
        }
    }

    @Test
    void aUrlTheNodeHoldsIsAParentHitServedFromTheNodesCache() throws Exception {
        String path = "/held/object-1";
        String url = originUrl(path);
        HttpResponse<String> first = get(throughNode, url);
        assertEquals(List.of("MISS from " + NODE_NAME), first.headers().allValues("X-Cache"));
        assertEquals(IcpOpcode.HIT, icpVerdict(url), "the node holds the URL after fetching it");
        long hitsBefore = node.httpStats().hits();

        HttpResponse<String> second = get(throughSquid, url);

        assertEquals(bodyFor(path), second.body());
        assertEquals("PARENT_HIT/127.0.0.1", hierarchyOf(url), this::logs);
        assertEquals(SQUID_ICP, askedBy.get(url).getAddress(), "Squid asked the node by ICP");
        List<String> xCache = second.headers().allValues("X-Cache");
        assertTrue(xCache.contains("HIT from " + NODE_NAME), () -> "X-Cache: " + xCache);
        assertEquals(1, originRequests.get(path).get(), "the origin was asked once, by the node's first fetch");
        // The node counts a transaction once its response is written, which may be after Squid has passed it on.
        await("the node counts Squid's request as a hit").atMost(Duration.ofSeconds(5))
                .until(() -> node.httpStats().hits() == hitsBefore + 1);
    }

    @Test
    void aUrlTheNodeDoesNotHoldIsNotClaimedAsAHit() throws Exception {
        String path = "/not-held/object-2";
        String url = originUrl(path);
        assertEquals(IcpOpcode.MISS, icpVerdict(url), "the node does not hold the URL");

        HttpResponse<String> response = get(throughSquid, url);

        assertEquals(bodyFor(path), response.body());
        String hierarchy = hierarchyOf(url);
        assertFalse(hierarchy.startsWith("PARENT_HIT"), this::logs);
        // An ICP_OP_MISS in time makes Squid fetch through its first parent that answered it.
        assertEquals("FIRST_PARENT_MISS/127.0.0.1", hierarchy, this::logs);
        assertEquals(SQUID_ICP, askedBy.get(url).getAddress(), "Squid asked the node by ICP");
        List<String> xCache = response.headers().allValues("X-Cache");
        assertTrue(xCache.contains("MISS from " + NODE_NAME), () -> "X-Cache: " + xCache);
        assertFalse(xCache.contains("HIT from " + NODE_NAME), () -> "X-Cache: " + xCache);
        assertEquals(1, originRequests.get(path).get(), "the node fetched the URL from the origin");
    }

    private static IcpOpcode icpVerdict(String url) throws Exception {
        InetSocketAddress icp = node.icpAddresses().get(0);
        try (IcpClient client = IcpClient.openFor(icp)) {
            return client.query(icp, url, Duration.ofSeconds(5)).join().message().opcode();
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), () -> "status for " + url + "\n" + squidLog());
        return response;
    }

    /** The hierarchy field ("PARENT_HIT/127.0.0.1") of Squid's access.log line for {@code url}. */
    private static String hierarchyOf(String url) {
        return await("access.log line for " + url).atMost(Duration.ofSeconds(10))
                .until(() -> accessLogLine(url), Optional::isPresent)
                .map(line -> line.split("\\s+")[8])
                .orElseThrow();
    }

    private static Optional<String> accessLogLine(String url) throws IOException {
        return squid.accessLog().stream().filter(line -> line.split("\\s+")[6].equals(url)).findFirst();
    }

    private String logs() {
        StringBuilder text = new StringBuilder("--- Squid access.log\n");
        try {
            squid.accessLog().forEach(line -> text.append(line).append('\n'));
        } catch (IOException e) {
            text.append(e).append('\n');
        }
        return text.append(squidLog()).toString();
    }

    private static String squidLog() {
        return squid == null ? "" : squid.log();
    }

    private static String bodyFor(String path) {
        return "origin body for " + path;
    }

    private static String originUrl(String path) {
        return "http://127.0.0.1:" + origin.getAddress().getPort() + path;
    }

}
