package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import sibyl.node.cache.CacheKey;

/** Every way a request or an origin can go wrong, each answered clearly and leaving nothing stored. */
class HttpErrorsTest {
    static Path dropRules;
    static Path nocacheRules;
    /** Accepts connections and never answers: the origin that times out. */
    static ServerSocket silent;
    static final CopyOnWriteArrayList<Socket> silentConnections = new CopyOnWriteArrayList<>();

    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    silentConnections.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-origin");
        acceptor.setDaemon(true);
        acceptor.start();
        dropRules = directory.resolve("drop.rules");
        Files.writeString(dropRules, "# ads\n/ads/\n");
        nocacheRules = directory.resolve("nocache.rules");
        Files.writeString(nocacheRules, "\\.live$\n");
        return """
                http.drop-rules = "%s"
                http.nocache-rules = "%s"
                http.rules-reload-interval = 100ms
                http.max-request-line = 1k
                http.max-header-size = 4k
                http.max-request-body = 64k
                http.accelerate { "site.test" = "127.0.0.1:%d" }
                origin.read-timeout = 500ms
                origin.connect-timeout = 1s
                """.formatted(dropRules, nocacheRules, origin.port());
    });

    @AfterAll
    static void stop() throws IOException {
        silent.close();
        for (Socket socket : silentConnections) {
            socket.close();
        }
    }

    private static void assertNothingStored(String url) {
        assertTrue(node.sibyl().index().peek(CacheKey.of(url)).isEmpty(), url + " was stored");
    }

    @Test
    void malformedRequestsAre400AndCloseTheConnection() throws Exception {
        try (HttpConnection connection = node.connect()) {
            HttpConnection.Response response = connection.send("GET /x HTTP/1.1\nHost: x\nBad Header Line\n\n");
            assertEquals(400, response.status());
            assertEquals("close", response.header("Connection"));
            assertTrue(connection.closedByServer());
        }
        assertEquals(400, node.send("GET ftp://example.com/ HTTP/1.1\nHost: example.com\n\n").status());
        assertEquals(400, node.send("GET http://user:pw@example.com/ HTTP/1.1\nHost: example.com\n\n").status());
        assertEquals(400, node.send("GET http://:80/ HTTP/1.1\nHost: x\n\n").status());
        assertEquals(400, node.send("GET /no-host HTTP/1.1\n\n").status());
        assertEquals(505, node.send("GET / HTTP/2.0\nHost: x\n\n").status());
    }

    @Test
    void requestSmugglingShapesAre400() throws Exception {
        String url = node.origin().url("/smuggle");
        node.origin().on("/smuggle", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=60"));

        HttpConnection.Response both = node.send("POST " + url + " HTTP/1.1\nHost: x\nContent-Length: 4\n"
                + "Transfer-Encoding: chunked\n\n0\n\nGET /smuggled HTTP/1.1\nHost: x\n\n");
        HttpConnection.Response differing = node.send("POST " + url + " HTTP/1.1\nHost: x\nContent-Length: 3\n"
                + "Content-Length: 5\n\nabcde");
        HttpConnection.Response http10Chunked = node.send("POST " + url + " HTTP/1.0\nTransfer-Encoding: chunked\n\n"
                + "0\n\n");

        assertEquals(400, both.status());
        assertTrue(both.text().contains("Transfer-Encoding and Content-Length"), both.text());
        assertEquals(400, differing.status());
        assertEquals(400, http10Chunked.status());
        assertEquals(0, node.origin().count("/smuggle"));
        assertEquals(0, node.origin().count("/smuggled"));
    }

    @Test
    void limitsOnTheRequestLineHeadersAndBody() throws Exception {
        HttpConnection.Response longTarget = node.send("GET " + node.origin().url("/" + "a".repeat(2000)) + " HTTP/1.1\nHost: x\n\n");
        HttpConnection.Response bigHeaders = node.send("GET " + node.origin().url("/h") + " HTTP/1.1\nHost: x\nX-Big: "
                + "b".repeat(5000) + "\n\n");
        HttpConnection.Response bigBody = node.send("POST " + node.origin().url("/b") + " HTTP/1.1\nHost: x\nContent-Length: "
                + (100 * 1024) + "\n\n" + "c".repeat(100 * 1024));

        assertEquals(414, longTarget.status());
        assertEquals(431, bigHeaders.status());
        assertEquals(413, bigBody.status());
    }

    @Test
    void connectIs405() throws Exception {
        HttpConnection.Response response = node.send("CONNECT example.com:443 HTTP/1.1\nHost: example.com:443\n\n");

        assertEquals(405, response.status());
        assertTrue(response.header("Allow").contains("GET"));
    }

    @Test
    void aForwardingLoopIs508() throws Exception {
        HttpConnection.Response response = node.get(node.origin().url("/loop"), "Via: 1.1 squid, 1.1 " + TestNode.NAME + " (sibyl)");

        assertEquals(508, response.status());
        assertEquals(0, node.origin().count("/loop"));
    }

    @Test
    void anUnreachableOriginIs502AndASilentOne504() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        String unreachable = "http://127.0.0.1:" + closedPort + "/gone";
        String silentUrl = "http://127.0.0.1:" + silent.getLocalPort() + "/silent";

        HttpConnection.Response refused = node.get(unreachable);
        HttpConnection.Response timedOut = node.get(silentUrl);

        assertEquals(502, refused.status());
        assertTrue(refused.text().contains("could not be reached"), refused.text());
        assertEquals(504, timedOut.status());
        assertTrue(timedOut.text().contains("origin.read-timeout"), timedOut.text());
        assertNothingStored(unreachable);
        assertNothingStored(silentUrl);
        assertTrue(node.sibyl().httpStats().originErrors() >= 2);
    }

    @Test
    void aBodyCutShortClosesTheClientConnectionAndStoresNothing() throws Exception {
        try (ServerSocket liar = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread script = new Thread(() -> {
                try (Socket socket = liar.accept()) {
                    socket.getInputStream().read(new byte[4096]);
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: 1000\r\n\r\n"
                            + "only part").getBytes());
                    out.flush();
                } catch (IOException e) {
                    // the test sees the outcome on the client side
                }
            });
            script.start();
            String url = "http://127.0.0.1:" + liar.getLocalPort() + "/cut";
            try (HttpConnection connection = node.connect()) {
                HttpConnection.Response response = connection.send("GET " + url + " HTTP/1.1\nHost: x\n\n");
                assertEquals("1000", response.header("Content-Length"));
                assertEquals("only part", response.text(), "what came, then the connection's end");
                assertTrue(connection.closedByServer());
            }
            script.join(5000);
            assertNothingStored(url);
        }
    }

    @Test
    void dropRulesRefuseWithAPlaceholderAndNocacheRulesFetchEveryTime() throws Exception {
        node.origin().on("/ads/banner", ScriptedOrigin.body(200, "ad", "Cache-Control", "max-age=60"));
        node.origin().on("/feed.live", ScriptedOrigin.body(200, "live", "Cache-Control", "max-age=60"));

        HttpConnection.Response dropped = node.get(node.origin().url("/ads/banner"));
        node.get(node.origin().url("/feed.live"));
        HttpConnection.Response live = node.get(node.origin().url("/feed.live"));

        assertEquals(403, dropped.status());
        assertTrue(dropped.text().contains("drop rules"), dropped.text());
        assertEquals(0, node.origin().count("/ads/banner"));
        assertEquals("live", live.text());
        assertEquals(2, node.origin().count("/feed.live"));
        assertNothingStored(node.origin().url("/feed.live"));

        Files.writeString(dropRules, "/other/\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> node.get(node.origin().url("/ads/banner")).status() == 200);
    }

    @Test
    void acceleratorRequestsGoToTheirSitesOrigin() throws Exception {
        node.origin().on("/accelerated", ScriptedOrigin.body(200, "site", "Cache-Control", "max-age=60"));

        HttpConnection.Response served = node.send("GET /accelerated HTTP/1.1\nHost: SITE.test\n\n");
        HttpConnection.Response hit = node.send("GET /accelerated HTTP/1.1\nHost: site.test:80\n\n");
        HttpConnection.Response unknown = node.send("GET /accelerated HTTP/1.1\nHost: other.test\n\n");

        assertEquals("site", served.text());
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals("site.test", node.origin().requests("/accelerated").get(0).getFirst("Host"));
        assertEquals(421, unknown.status());
        assertEquals(1, node.origin().count("/accelerated"));
    }

    @Test
    void aFailedRequestIsNotRetriedIntoTheCacheByItsWaiters() throws Exception {
        String silentUrl = "http://127.0.0.1:" + silent.getLocalPort() + "/silent-shared";
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<HttpConnection.Response>>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> node.get(silentUrl)));
            }
            for (var future : futures) {
                assertEquals(504, future.get().status());
            }
        } finally {
            pool.shutdownNow();
        }
        assertNothingStored(silentUrl);
    }
}
