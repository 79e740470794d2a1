package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 14's behaviours in both of the node's modes: as Squid's parent (absolute URLs, forward
 * proxy) and as the origin's accelerator (origin-form requests mapped by Host), asserting what
 * the client receives and what the origin was asked.
 */
class CacheModesTest {
    /** An origin that sends a 103 and a 102 before each response: the JDK's server cannot. */
    static java.net.ServerSocket interimOrigin;
    static final AtomicInteger interimAsked = new AtomicInteger();
    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        interimOrigin = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
        Thread serving = new Thread(CacheModesTest::answerWithInterims, "interim-origin");
        serving.setDaemon(true);
        serving.start();
        return """
                http.accelerate { "*" = "127.0.0.1:%d", "hints.example.test" = "127.0.0.1:%d" }
                """.formatted(origin.port(), interimOrigin.getLocalPort());
    });

    enum Mode {
        FORWARD, ACCELERATOR;

        /** The path this mode's test uses at the origin: each mode has its own URLs. */
        String path(String name) {
            return "/" + name().toLowerCase(java.util.Locale.ROOT) + "/" + name;
        }

        HttpConnection.Response get(String name, String... headerLines) throws Exception {
            return send("GET", name, headerLines);
        }

        HttpConnection.Response send(String method, String name, String... headerLines) throws Exception {
            StringBuilder request = new StringBuilder(requestLine(method, name));
            for (String line : headerLines) {
                request.append(line).append('\n');
            }
            return node.send(request.append('\n').toString());
        }

        HttpConnection.Response post(String name, String body) throws Exception {
            return node.send(requestLine("POST", name) + "Content-Length: " + body.length() + "\n\n" + body);
        }

        private String requestLine(String method, String name) {
            String target = this == FORWARD ? node.origin().url(path(name)) : path(name);
            String host = this == FORWARD ? "127.0.0.1:" + node.origin().port() : "www.example.test";
            return method + " " + target + " HTTP/1.1\nHost: " + host + "\n";
        }
    }

    @AfterAll
    static void stopInterimOrigin() throws java.io.IOException {
        interimOrigin.close();
    }

    private static void answerWithInterims() {
        while (!interimOrigin.isClosed()) {
            try (java.net.Socket socket = interimOrigin.accept()) {
                socket.setSoTimeout(10_000);
                java.io.InputStream in = socket.getInputStream();
                StringBuilder request = new StringBuilder();
                for (int c; !request.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0; ) {
                    request.append((char) c);
                }
                interimAsked.incrementAndGet();
                socket.getOutputStream().write(("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 102 Processing\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: max-age=600\r\nConnection: close\r\n\r\n"
                        + "final").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            } catch (java.io.IOException closed) {
                return;
            }
        }
    }

    /**
     * Asserts that {@code response} carries exactly {@code fields} ("Name: value", or "Name: *"
     * for any value), each once, and no other field.
     */
    static void assertFields(HttpConnection.Response response, String... fields) {
        java.util.List<String> expected = new java.util.ArrayList<>();
        java.util.List<String> actual = new java.util.ArrayList<>();
        java.util.Map<String, String> wildcard = new java.util.HashMap<>();
        for (String field : fields) {
            String name = field.substring(0, field.indexOf(':')).toLowerCase(java.util.Locale.ROOT);
            String value = field.substring(field.indexOf(':') + 1).strip();
            if (value.equals("*")) {
                wildcard.put(name, value);
            }
            expected.add(name + ": " + value);
        }
        for (String[] header : response.headers()) {
            String name = header[0].toLowerCase(java.util.Locale.ROOT);
            actual.add(name + ": " + (wildcard.containsKey(name) ? "*" : header[1]));
        }
        java.util.Collections.sort(expected);
        java.util.Collections.sort(actual);
        assertEquals(expected, actual, "every field of the " + response.status());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void staleWhileRevalidate(Mode mode) throws Exception {
        AtomicInteger version = new AtomicInteger();
        node.origin().on(mode.path("swr"), exchange -> {
            int n = version.incrementAndGet();
            ScriptedOrigin.body(200, "v" + n, "Cache-Control", n == 1 ? "max-age=60, stale-while-revalidate=600" : "max-age=600",
                    "Age", n == 1 ? "100" : "0").answer(exchange);
        });

        mode.get("swr");
        HttpConnection.Response stale = mode.get("swr");

        assertEquals("v1", stale.text());
        await().atMost(Duration.ofSeconds(10)).until(() -> mode.get("swr").text().equals("v2"));
        assertEquals(2, node.origin().count(mode.path("swr")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void staleIfErrorStandsInForA503(Mode mode) throws Exception {
        AtomicInteger asked = new AtomicInteger();
        node.origin().on(mode.path("sie"), exchange -> (asked.incrementAndGet() == 1
                ? ScriptedOrigin.body(200, "kept", "Cache-Control", "max-age=60, stale-if-error=600", "Age", "100")
                : ScriptedOrigin.body(503, "down")).answer(exchange));

        mode.get("sie");
        HttpConnection.Response served = mode.get("sie");

        assertEquals(200, served.status());
        assertEquals("kept", served.text());
        assertEquals(2, node.origin().count(mode.path("sie")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void namedNoCacheFieldsAreNotServedFromTheCache(Mode mode) throws Exception {
        node.origin().on(mode.path("cookie"), ScriptedOrigin.body(200, "page", "Cache-Control",
                "max-age=600, no-cache=\"Set-Cookie\"", "Set-Cookie", "session=alice"));

        HttpConnection.Response miss = mode.get("cookie");
        HttpConnection.Response hit = mode.get("cookie");

        assertEquals("session=alice", miss.header("Set-Cookie"));
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertNull(hit.header("Set-Cookie"));
        assertEquals(1, node.origin().count(mode.path("cookie")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anExpiresInAnotherZoneIsAlreadyExpired(Mode mode) throws Exception {
        node.origin().on(mode.path("expires"), ScriptedOrigin.body(200, "x", "Expires", "Sun, 06 Nov 2101 08:49:37 UTC"));

        mode.get("expires");
        HttpConnection.Response second = mode.get("expires");

        assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"));
        assertEquals(2, node.origin().count(mode.path("expires")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void a304AboutAnotherRepresentationIsNotApplied(Mode mode) throws Exception {
        AtomicInteger asked = new AtomicInteger();
        node.origin().on(mode.path("other"), exchange -> {
            int n = asked.incrementAndGet();
            if (exchange.getRequestHeaders().containsKey("If-None-Match")) {
                exchange.getResponseHeaders().add("ETag", "\"v2\"");
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            ScriptedOrigin.body(200, n == 1 ? "first" : "second", "ETag", n == 1 ? "\"v1\"" : "\"v2\"",
                    "Cache-Control", "max-age=0").answer(exchange);
        });

        mode.get("other");
        HttpConnection.Response refreshed = mode.get("other");

        assertEquals("second", refreshed.text());
        assertEquals(3, node.origin().count(mode.path("other")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aPostInvalidatesTheUrlAndItsLocation(Mode mode) throws Exception {
        node.origin().on(mode.path("item"), ScriptedOrigin.body(200, "item", "Cache-Control", "max-age=600"));
        node.origin().on(mode.path("items"), exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Location", "item");
            exchange.sendResponseHeaders(201, -1);
        });
        mode.get("item");

        assertEquals(201, mode.post("items", "x").status());
        HttpConnection.Response after = mode.get("item");

        assertEquals("MISS from " + TestNode.NAME, after.header("X-Cache"));
        assertEquals(2, node.origin().count(mode.path("item")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aMissAndItsHitCarryExactlyTheOriginsFieldsWithAgeViaAndXCache(Mode mode) throws Exception {
        node.origin().on(mode.path("fields"), ScriptedOrigin.body(200, "hello", "Cache-Control", "max-age=600", "ETag", "\"f1\"",
                "Last-Modified", "Sat, 05 Dec 2026 08:00:00 GMT", "Content-Type", "text/plain"));

        HttpConnection.Response miss = mode.get("fields");
        HttpConnection.Response hit = mode.get("fields");

        String[] common = {"Cache-Control: max-age=600", "ETag: \"f1\"", "Last-Modified: Sat, 05 Dec 2026 08:00:00 GMT",
            "Content-Type: text/plain", "Content-Length: 5", "Date: *", "Via: 1.1 " + TestNode.NAME + " (sibyl)"};
        assertFields(miss, concat(common, "X-Cache: MISS from " + TestNode.NAME));
        assertFields(hit, concat(common, "X-Cache: HIT from " + TestNode.NAME, "Age: *"));
        assertEquals("hello", hit.text());
        assertEquals(1, node.origin().count(mode.path("fields")));
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anAgeListCountsItsFirstMember(Mode mode) throws Exception {
        node.origin().on(mode.path("age-list"), ScriptedOrigin.body(200, "aged", "Cache-Control", "max-age=3600", "Age", "7200, 0"));

        mode.get("age-list");
        HttpConnection.Response second = mode.get("age-list");

        assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"), "7200 s old: stale at once");
        assertEquals(2, node.origin().count(mode.path("age-list")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void mustUnderstandStoresAnUnderstoodStatusDespiteNoStore(Mode mode) throws Exception {
        node.origin().on(mode.path("understood"), ScriptedOrigin.body(200, "kept", "Cache-Control",
                "no-store, must-understand, max-age=600"));

        mode.get("understood");
        HttpConnection.Response second = mode.get("understood");

        assertEquals("HIT from " + TestNode.NAME, second.header("X-Cache"));
        assertEquals(1, node.origin().count(mode.path("understood")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHeadsOkRefreshesTheStoredGetItDescribes(Mode mode) throws Exception {
        node.origin().on(mode.path("head-refresh"), exchange -> {
            if (exchange.getRequestMethod().equals("GET")) {
                ScriptedOrigin.body(200, "body", "ETag", "\"h1\"", "Cache-Control", "max-age=0").answer(exchange);
            } else {
                exchange.getResponseHeaders().add("Cache-Control", "public, max-age=600");
                exchange.getResponseHeaders().add("ETag", "\"h1\"");
                exchange.getResponseHeaders().add("Content-Length", "4"); // the GET's body's, as origins say it
                exchange.sendResponseHeaders(200, -1);
            }
        });
        mode.get("head-refresh");

        // With Authorization, the HEAD is passed on as it is (a plain one would revalidate the GET).
        HttpConnection.Response head = mode.send("HEAD", "head-refresh", "Authorization: Basic dTpw");
        HttpConnection.Response get = mode.get("head-refresh");

        assertEquals(200, head.status());
        assertEquals("4", head.header("Content-Length"));
        assertEquals("HIT from " + TestNode.NAME, get.header("X-Cache"), "fresh again, by the HEAD's 200");
        assertEquals("public, max-age=600", get.header("Cache-Control"));
        assertEquals("body", get.text());
        assertEquals(List.of("GET", "HEAD"), node.origin().methods(mode.path("head-refresh")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void equivalentAcceptEncodingsShareOneVariant(Mode mode) throws Exception {
        node.origin().on(mode.path("vary"), ScriptedOrigin.body(200, "v", "Cache-Control", "max-age=600", "Vary", "Accept-Encoding"));

        mode.get("vary", "Accept-Encoding: gzip, br");
        HttpConnection.Response same = mode.get("vary", "Accept-Encoding: BR,gzip;q=1.0");
        HttpConnection.Response other = mode.get("vary", "Accept-Encoding: identity");

        assertEquals("HIT from " + TestNode.NAME, same.header("X-Cache"));
        assertEquals("MISS from " + TestNode.NAME, other.header("X-Cache"));
        assertEquals(2, node.origin().count(mode.path("vary")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void heuristicAndExplicitFreshnessStoreA404AndA500(Mode mode) throws Exception {
        node.origin().on(mode.path("gone"), ScriptedOrigin.body(404, "gone", "Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT"));
        node.origin().on(mode.path("error"), ScriptedOrigin.body(500, "error", "Cache-Control", "max-age=600"));
        node.origin().on(mode.path("teapot"), ScriptedOrigin.body(418, "tea", "Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT"));

        for (String name : List.of("gone", "error", "teapot")) {
            mode.get(name);
            mode.get(name);
        }

        assertEquals(1, node.origin().count(mode.path("gone")), "404 is heuristically cacheable");
        assertEquals(1, node.origin().count(mode.path("error")), "any status with explicit freshness");
        assertEquals(2, node.origin().count(mode.path("teapot")), "418 is not heuristically cacheable");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHeadMissForAnUncacheableLargeObjectPullsLittleOfItsBody(Mode mode) throws Exception {
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        node.origin().on(mode.path("large"), ScriptedOrigin.large(200L << 20, sent, "Cache-Control", "no-store"));

        HttpConnection.Response head = mode.send("HEAD", "large");

        assertEquals(200, head.status());
        assertEquals(String.valueOf(200L << 20), head.header("Content-Length"));
        await().atMost(Duration.ofSeconds(30)).until(() -> node.origin().completed(mode.path("large")) == 2);
        org.junit.jupiter.api.Assertions.assertTrue(sent.get() <= 8L << 20, sent.get() + " body bytes sent");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void interimResponsesGoToTheClientThatAskedAndNeverToAHit(Mode mode) throws Exception {
        String target = mode == Mode.FORWARD ? "http://127.0.0.1:" + interimOrigin.getLocalPort() + "/hints-forward"
                : "/hints-accelerated";
        String request = "GET " + target + " HTTP/1.1\nHost: hints.example.test\n\n";
        int before = interimAsked.get();
        HttpConnection.Response early;
        HttpConnection.Response processing;
        HttpConnection.Response first;
        try (HttpConnection connection = node.connect()) {
            connection.write(request);
            early = connection.read(false);
            processing = connection.read(false);
            first = connection.read(false);
        }
        HttpConnection.Response hit = node.send(request);

        assertEquals(103, early.status());
        assertFields(early, "Link: </style.css>; rel=preload", "Via: 1.1 " + TestNode.NAME + " (sibyl)");
        assertEquals(102, processing.status());
        assertEquals(200, first.status());
        assertNull(first.header("Link"), "the 103's fields stay out of the final response");
        assertEquals(200, hit.status(), "no 103 replayed before a hit");
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertNull(hit.header("Link"));
        assertEquals(1, interimAsked.get() - before);
    }
}
