package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 14's behaviours in both of the node's modes: as Squid's parent (absolute URLs, forward
 * proxy) and as the origin's accelerator (origin-form requests mapped by Host), asserting what
 * the client receives and what the origin was asked.
 */
class CacheModesTest {
    @TempDir
    static Path directory;
    static ScriptedOrigin origin;
    static TestNode node;

    enum Mode {
        FORWARD, ACCELERATOR;

        /** The path this mode's test uses at the origin: each mode has its own URLs. */
        String path(String name) {
            return "/" + name().toLowerCase(java.util.Locale.ROOT) + "/" + name;
        }

        HttpConnection.Response get(String name) throws Exception {
            return node.send(requestLine("GET", name) + "\n");
        }

        HttpConnection.Response post(String name, String body) throws Exception {
            return node.send(requestLine("POST", name) + "Content-Length: " + body.length() + "\n\n" + body);
        }

        private String requestLine(String method, String name) {
            String target = this == FORWARD ? origin.url(path(name)) : path(name);
            String host = this == FORWARD ? "127.0.0.1:" + origin.port() : "www.example.test";
            return method + " " + target + " HTTP/1.1\nHost: " + host + "\n";
        }
    }

    @BeforeAll
    static void start() throws Exception {
        origin = new ScriptedOrigin();
        node = TestNode.start(directory, """
                http.accelerate { "*" = "127.0.0.1:%d" }
                """.formatted(origin.port()));
    }

    @AfterAll
    static void stop() {
        node.close();
        origin.close();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void staleWhileRevalidate(Mode mode) throws Exception {
        AtomicInteger version = new AtomicInteger();
        origin.on(mode.path("swr"), exchange -> {
            int n = version.incrementAndGet();
            ScriptedOrigin.body(200, "v" + n, "Cache-Control", n == 1 ? "max-age=60, stale-while-revalidate=600" : "max-age=600",
                    "Age", n == 1 ? "100" : "0").answer(exchange);
        });

        mode.get("swr");
        HttpConnection.Response stale = mode.get("swr");

        assertEquals("v1", stale.text());
        await().atMost(Duration.ofSeconds(10)).until(() -> mode.get("swr").text().equals("v2"));
        assertEquals(2, origin.count(mode.path("swr")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void staleIfErrorStandsInForA503(Mode mode) throws Exception {
        AtomicInteger asked = new AtomicInteger();
        origin.on(mode.path("sie"), exchange -> (asked.incrementAndGet() == 1
                ? ScriptedOrigin.body(200, "kept", "Cache-Control", "max-age=60, stale-if-error=600", "Age", "100")
                : ScriptedOrigin.body(503, "down")).answer(exchange));

        mode.get("sie");
        HttpConnection.Response served = mode.get("sie");

        assertEquals(200, served.status());
        assertEquals("kept", served.text());
        assertEquals(2, origin.count(mode.path("sie")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void namedNoCacheFieldsAreNotServedFromTheCache(Mode mode) throws Exception {
        origin.on(mode.path("cookie"), ScriptedOrigin.body(200, "page", "Cache-Control",
                "max-age=600, no-cache=\"Set-Cookie\"", "Set-Cookie", "session=alice"));

        HttpConnection.Response miss = mode.get("cookie");
        HttpConnection.Response hit = mode.get("cookie");

        assertEquals("session=alice", miss.header("Set-Cookie"));
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertNull(hit.header("Set-Cookie"));
        assertEquals(1, origin.count(mode.path("cookie")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anExpiresInAnotherZoneIsAlreadyExpired(Mode mode) throws Exception {
        origin.on(mode.path("expires"), ScriptedOrigin.body(200, "x", "Expires", "Sun, 06 Nov 2101 08:49:37 UTC"));

        mode.get("expires");
        HttpConnection.Response second = mode.get("expires");

        assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"));
        assertEquals(2, origin.count(mode.path("expires")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void a304AboutAnotherRepresentationIsNotApplied(Mode mode) throws Exception {
        AtomicInteger asked = new AtomicInteger();
        origin.on(mode.path("other"), exchange -> {
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
        assertEquals(3, origin.count(mode.path("other")));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aPostInvalidatesTheUrlAndItsLocation(Mode mode) throws Exception {
        origin.on(mode.path("item"), ScriptedOrigin.body(200, "item", "Cache-Control", "max-age=600"));
        origin.on(mode.path("items"), exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Location", "item");
            exchange.sendResponseHeaders(201, -1);
        });
        mode.get("item");

        assertEquals(201, mode.post("items", "x").status());
        HttpConnection.Response after = mode.get("item");

        assertEquals("MISS from " + TestNode.NAME, after.header("X-Cache"));
        assertEquals(2, origin.count(mode.path("item")));
    }
}
