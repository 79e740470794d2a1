package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import sibyl.icp.client.IcpClient;
import sibyl.icp.wire.IcpOpcode;

/**
 * RFC 9111 as a client of the node sees it, against a real origin: what is stored, what is
 * served from it and with which headers, what goes back to the origin.
 */
class HttpCacheTest {
    static Path accessLog;
    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        accessLog = directory.resolve("access.log");
        return """
                http.access-log = "%s"
                cache.max-object-size = 256k
                """.formatted(accessLog);
    });

    @Test
    void aStoredResponseIsServedWithAgeViaAndXCacheAndTheOriginAskedOnce() throws Exception {
        node.origin().on("/fresh", ScriptedOrigin.body(200, "fresh body", "Cache-Control", "max-age=3600",
                "Content-Type", "text/plain"));

        HttpConnection.Response miss = node.get(node.origin().url("/fresh"));
        HttpConnection.Response hit = node.get(node.origin().url("/fresh"));

        assertEquals(200, miss.status());
        assertEquals("MISS from " + TestNode.NAME, miss.header("X-Cache"));
        assertEquals("1.1 " + TestNode.NAME + " (sibyl)", miss.header("Via"));
        assertEquals(200, hit.status());
        assertEquals("fresh body", hit.text());
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals("0", hit.header("Age"));
        assertEquals("10", hit.header("Content-Length"));
        assertEquals("max-age=3600", hit.header("Cache-Control"));
        assertEquals(1, node.origin().count("/fresh"));
        String via = node.origin().requests("/fresh").get(0).getFirst("Via");
        assertEquals("1.1 " + TestNode.NAME + " (sibyl)", via);
        List<String> lines = await().atMost(Duration.ofSeconds(5)).until(
                () -> Files.exists(accessLog) ? Files.readAllLines(accessLog).stream()
                        .filter(line -> line.contains("/fresh")).toList() : List.<String>of(),
                found -> found.size() == 2);
        assertTrue(lines.get(0).matches("\\d+\\.\\d{3} +\\d+ 127\\.0\\.0\\.1 TCP_MISS/200 \\d+ GET "
                + java.util.regex.Pattern.quote(node.origin().url("/fresh")) + " - HIER_DIRECT/127\\.0\\.0\\.1 text/plain"),
                lines.get(0));
        assertTrue(lines.get(1).contains(" TCP_MEM_HIT/200 ") && lines.get(1).endsWith(" - HIER_NONE/- text/plain"),
                lines.get(1));
    }

    @Test
    void whatASharedCacheMustNotStoreGoesToTheOriginEveryTime() throws Exception {
        node.origin().on("/no-store", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=60, no-store"));
        node.origin().on("/private", ScriptedOrigin.body(200, "x", "Cache-Control", "PRIVATE, max-age=60"));
        node.origin().on("/cookie", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=60", "Set-Cookie", "id=1"));
        node.origin().on("/vary-any", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=60", "Vary", "*"));
        node.origin().on("/no-freshness", ScriptedOrigin.body(302, "x", "Location", "/elsewhere"));
        node.origin().on("/authorized", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=60"));

        for (String path : List.of("/no-store", "/private", "/cookie", "/vary-any", "/no-freshness")) {
            node.get(node.origin().url(path));
            HttpConnection.Response second = node.get(node.origin().url(path));
            assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"), path);
            assertEquals(2, node.origin().count(path), path);
        }
        node.get(node.origin().url("/authorized"), "Authorization: Basic dTpw");
        node.get(node.origin().url("/authorized"));
        assertEquals(2, node.origin().count("/authorized"));
        assertEquals("id=1", node.get(node.origin().url("/cookie")).header("Set-Cookie"));
    }

    @Test
    void sMaxAgeAndPublicOverrideWhatAuthorizationWouldForbid() throws Exception {
        node.origin().on("/public-auth", ScriptedOrigin.body(200, "shared", "Cache-Control", "public, s-maxage=600, max-age=0"));

        node.get(node.origin().url("/public-auth"), "Authorization: Basic dTpw");
        HttpConnection.Response hit = node.get(node.origin().url("/public-auth"));

        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals(1, node.origin().count("/public-auth"));
    }

    @Test
    void expiresInEachOfTheThreeDateFormatsAndAnInvalidOne() throws Exception {
        String[] formats = {"Sun, 06 Nov 2101 08:49:37 GMT", "Sunday, 06-Nov-01 08:49:37 GMT", "Sun Nov  6 08:49:37 2101"};
        for (int i = 0; i < formats.length; i++) {
            node.origin().on("/expires-" + i, ScriptedOrigin.body(200, "x", "Expires", formats[i]));
            node.get(node.origin().url("/expires-" + i));
            node.get(node.origin().url("/expires-" + i));
        }
        node.origin().on("/expires-invalid", ScriptedOrigin.body(200, "x", "Expires", "0"));
        node.get(node.origin().url("/expires-invalid"));
        node.get(node.origin().url("/expires-invalid"));

        assertEquals(1, node.origin().count("/expires-0"), "IMF-fixdate");
        // RFC 850's two-digit year 01 is read as 2001: in the past, so stale.
        assertEquals(2, node.origin().count("/expires-1"), "rfc850 date in the past");
        assertEquals(1, node.origin().count("/expires-2"), "asctime");
        assertEquals(2, node.origin().count("/expires-invalid"), "an invalid Expires is already stale");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "Sun, 06 Nov 2101 08:49:37 UTC", "Sun, 06 Nov 2101 08:49:37 AEST", "Sun, 06 Nov 01 08:49:37 GMT",
        "Sun 06 Nov 2101 08:49:37 GMT", "Sun,  06 Nov 2101  08:49:37 GMT", "Sun, 06-Nov-2101 08:49:37 GMT",
        "Sun, 06 Nov 2101 8:49:37 GMT", "twice"})
    void anExpiresNotInOneOfTheThreeFormsIsAlreadyExpired(String expires) throws Exception {
        String path = "/expires-bad-" + Integer.toHexString(expires.hashCode());
        node.origin().on(path, "twice".equals(expires)
                ? ScriptedOrigin.body(200, "x", "Expires", "Sun, 06 Nov 2101 08:49:37 GMT", "Expires", "Sun, 06 Nov 2101 08:49:37 GMT")
                : ScriptedOrigin.body(200, "x", "Expires", expires));

        node.get(node.origin().url(path));
        HttpConnection.Response second = node.get(node.origin().url(path));

        assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"), expires);
        assertEquals(2, node.origin().count(path), expires);
    }

    @Test
    void anAgeListCountsItsFirstMember() throws Exception {
        node.origin().on("/age-list", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=3600", "Age", "7200, 0"));

        node.get(node.origin().url("/age-list"));
        HttpConnection.Response second = node.get(node.origin().url("/age-list"));

        assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"), "two hours old, fresh for one: stale");
        assertEquals(2, node.origin().count("/age-list"));
    }

    @Test
    void fieldsAQualifiedNoCacheOrPrivateNamesAreNeverServedFromTheCache() throws Exception {
        node.origin().on("/named-cookie", ScriptedOrigin.body(200, "shared page", "Cache-Control",
                "max-age=600, no-cache=\"Set-Cookie\", private=\"X-User\"", "Set-Cookie", "session=alice",
                "X-User", "alice", "X-Shared", "yes"));

        HttpConnection.Response miss = node.get(node.origin().url("/named-cookie"));
        HttpConnection.Response hit = node.get(node.origin().url("/named-cookie"));

        assertEquals("session=alice", miss.header("Set-Cookie"), "the client that asked gets the origin's answer whole");
        assertEquals("alice", miss.header("X-User"));
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals("shared page", hit.text());
        assertEquals(null, hit.header("Set-Cookie"));
        assertEquals(null, hit.header("X-User"));
        assertEquals("yes", hit.header("X-Shared"));
        assertEquals(1, node.origin().count("/named-cookie"));
    }

    @Test
    void mustUnderstandStoresWhatNoStoreAloneWouldNot() throws Exception {
        node.origin().on("/must-understand", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=600, no-store, must-understand"));
        node.origin().on("/must-understand-299", ScriptedOrigin.body(299, "x", "Cache-Control", "max-age=600, must-understand"));

        node.get(node.origin().url("/must-understand"));
        HttpConnection.Response hit = node.get(node.origin().url("/must-understand"));
        node.get(node.origin().url("/must-understand-299"));
        node.get(node.origin().url("/must-understand-299"));

        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals(1, node.origin().count("/must-understand"));
        assertEquals(2, node.origin().count("/must-understand-299"), "a status RFC 9110 does not define is not understood");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "HEAD | | no-store", "GET | Range: bytes=0-0 | no-store", "GET | If-None-Match: \"y\" | no-store",
        "HEAD | | max-age=600", "GET | Range: bytes=0-0 | max-age=600"})
    void aHeadRangeOrConditionalMissForALargeObjectThatCannotBeStoredPullsLittleOfItsBody(String method, String header,
            String cacheControl) throws Exception {
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        String path = "/large-" + Integer.toHexString((method + header + cacheControl).hashCode());
        // 200 MiB: over cache.max-object-size (256k here), and uncacheable besides with no-store.
        node.origin().on(path, ScriptedOrigin.large(200L << 20, sent, "Cache-Control", cacheControl, "ETag", "\"y\""));

        HttpConnection.Response response = node.send(method + " " + node.origin().url(path) + " HTTP/1.1\nHost: x\n"
                + (header == null ? "" : header + "\n") + "\n");

        int expected = method.equals("HEAD") ? 200 : header.startsWith("Range") ? 206 : 304;
        assertEquals(expected, response.status());
        if (expected == 206) {
            assertEquals("bytes 0-0/209715200", response.header("Content-Range"));
            assertEquals(1, response.body().length);
        }
        // The whole GET (for a range, its first slice) made to store it is cut off once its head
        // says it cannot be; the client's own request, asked after, sends what the client asked
        // for. A storable range is answered from the slice stored: one request.
        // What the origin wrote counts what its socket buffers took too (a few MiB on loopback).
        int requests = expected == 206 && cacheControl.startsWith("max-age") ? 1 : 2;
        await().atMost(Duration.ofSeconds(30)).until(() -> node.origin().completed(path) == requests);
        assertTrue(sent.get() <= 8L << 20, sent.get() + " body bytes sent by the origin for " + method + " " + header);
    }

    @Test
    void a304AboutAnotherRepresentationLeavesTheEntryAndAsksAgainUnconditionally() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        node.origin().on("/other-representation", exchange -> {
            int n = asked.incrementAndGet();
            if (exchange.getRequestHeaders().containsKey("If-None-Match")) {
                // Another representation's validator: this 304 is not about the stored one.
                exchange.getResponseHeaders().add("ETag", "\"v2\"");
                exchange.getResponseHeaders().add("Cache-Control", "max-age=600");
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            ScriptedOrigin.body(200, n == 1 ? "first" : "second", "ETag", n == 1 ? "\"v1\"" : "\"v2\"",
                    "Cache-Control", n == 1 ? "max-age=0" : "max-age=600").answer(exchange);
        });

        node.get(node.origin().url("/other-representation"));
        HttpConnection.Response refreshed = node.get(node.origin().url("/other-representation"));
        HttpConnection.Response hit = node.get(node.origin().url("/other-representation"));

        assertEquals(200, refreshed.status());
        assertEquals("second", refreshed.text(), "not the stored body under the 304's fields");
        assertEquals("\"v2\"", refreshed.header("ETag"));
        assertEquals(3, node.origin().count("/other-representation"), "the first GET, the conditional, the unconditional");
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals("second", hit.text());
    }

    @Test
    void staleWhileRevalidateServesAtOnceAndRevalidatesInTheBackground() throws Exception {
        AtomicInteger version = new AtomicInteger();
        node.origin().on("/swr", exchange -> {
            int n = version.incrementAndGet();
            // The first answer is stale on arrival (Age 100, max-age 60) but inside its window.
            ScriptedOrigin.body(200, "v" + n, "Cache-Control", n == 1 ? "max-age=60, stale-while-revalidate=600" : "max-age=600",
                    "Age", n == 1 ? "100" : "0").answer(exchange);
        });

        node.get(node.origin().url("/swr"));
        HttpConnection.Response stale = node.get(node.origin().url("/swr"));

        assertEquals("v1", stale.text(), "served at once, stale");
        assertEquals("HIT from " + TestNode.NAME, stale.header("X-Cache"));
        await().atMost(Duration.ofSeconds(10)).until(() -> node.get(node.origin().url("/swr")).text().equals("v2"));
        assertEquals(2, node.origin().count("/swr"), "one background revalidation");
    }

    @Test
    void staleIfErrorServesTheStaleEntryForAn5xxInItsWindowOnly() throws Exception {
        AtomicInteger sie = new AtomicInteger();
        node.origin().on("/sie", exchange -> (sie.incrementAndGet() == 1
                ? ScriptedOrigin.body(200, "kept", "Cache-Control", "max-age=60, stale-if-error=600", "Age", "100")
                : ScriptedOrigin.body(503, "down")).answer(exchange));
        AtomicInteger plain = new AtomicInteger();
        node.origin().on("/no-sie", exchange -> (plain.incrementAndGet() == 1
                ? ScriptedOrigin.body(200, "kept", "Cache-Control", "max-age=60", "Age", "100")
                : ScriptedOrigin.body(503, "down")).answer(exchange));

        node.get(node.origin().url("/sie"));
        HttpConnection.Response served = node.get(node.origin().url("/sie"));
        node.get(node.origin().url("/no-sie"));
        HttpConnection.Response passed = node.get(node.origin().url("/no-sie"));

        assertEquals(200, served.status());
        assertEquals("kept", served.text());
        assertEquals(2, node.origin().count("/sie"), "the origin was asked, and failed");
        assertEquals(503, passed.status(), "a 5xx is passed on unless the response said stale-if-error");
    }

    @Test
    void aStaleEntryIsServedWhenTheOriginCannotBeReachedUnlessItMustRevalidate() throws Exception {
        String kept;
        String strict;
        try (ScriptedOrigin leaving = new ScriptedOrigin()) {
            leaving.on("/kept", ScriptedOrigin.body(200, "kept", "Cache-Control", "max-age=60", "Age", "100"));
            leaving.on("/strict", ScriptedOrigin.body(200, "strict", "Cache-Control", "max-age=60, must-revalidate",
                    "Age", "100"));
            kept = leaving.url("/kept");
            strict = leaving.url("/strict");
            node.get(kept);
            node.get(strict);
        }

        HttpConnection.Response served = node.get(kept);
        HttpConnection.Response refused = node.get(strict);

        assertEquals(200, served.status(), "within cache.grace.stale-if-error (1h by default)");
        assertEquals("kept", served.text());
        assertEquals(504, refused.status(), "must-revalidate: never served stale; disconnected, 504 (RFC 9111 5.2.2.2)");
        String log = await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(accessLog),
                text -> text.contains(" TCP_REFRESH_FAIL_OLD/200 "));
        assertTrue(log.contains(" TCP_REFRESH_FAIL_ERR/504 "), log);
    }

    @Test
    void receivedAgeCountsAndIsSentOnHits() throws Exception {
        node.origin().on("/aged", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=3600", "Age", "100"));

        node.get(node.origin().url("/aged"));
        HttpConnection.Response hit = node.get(node.origin().url("/aged"));

        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertTrue(Long.parseLong(hit.header("Age")) >= 100, hit.header("Age"));
    }

    @Test
    void staleEntriesAreRevalidatedAndA304UpdatesTheStoredHeaders() throws Exception {
        AtomicInteger version = new AtomicInteger();
        node.origin().on("/revalidate", exchange -> {
            int v = version.incrementAndGet();
            exchange.getResponseHeaders().add("Cache-Control", "max-age=0");
            exchange.getResponseHeaders().add("ETag", "\"v1\"");
            exchange.getResponseHeaders().add("X-Version", String.valueOf(v));
            if ("\"v1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            byte[] body = "revalidated body".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });

        node.get(node.origin().url("/revalidate"));
        HttpConnection.Response refreshed = node.get(node.origin().url("/revalidate"));

        assertEquals(200, refreshed.status());
        assertEquals("revalidated body", refreshed.text());
        assertEquals("2", refreshed.header("X-Version"), "the 304's fields replace the stored ones");
        assertEquals("HIT from " + TestNode.NAME, refreshed.header("X-Cache"));
        assertEquals(2, node.origin().count("/revalidate"));
        assertEquals("\"v1\"", node.origin().requests("/revalidate").get(1).getFirst("If-None-Match"));
        assertTrue(node.sibyl().httpStats().revalidations() >= 1);
    }

    @Test
    void requestDirectivesNoCacheMaxAgeMinFreshAndMaxStale() throws Exception {
        node.origin().on("/directives", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=3600"));
        node.origin().on("/stale", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=0"));
        node.get(node.origin().url("/directives"));

        node.get(node.origin().url("/directives"), "Cache-Control: no-cache");
        assertEquals(2, node.origin().count("/directives"), "no-cache goes to the origin");
        node.get(node.origin().url("/directives"), "Pragma: no-cache");
        assertEquals(3, node.origin().count("/directives"), "Pragma: no-cache without Cache-Control counts as no-cache");
        node.get(node.origin().url("/directives"), "Cache-Control: min-fresh=7200");
        assertEquals(4, node.origin().count("/directives"), "min-fresh beyond the lifetime");
        assertEquals("HIT from " + TestNode.NAME,
                node.get(node.origin().url("/directives"), "Cache-Control: max-age=60").header("X-Cache"));
        assertEquals(4, node.origin().count("/directives"));

        node.get(node.origin().url("/stale"));
        HttpConnection.Response staleOk = node.get(node.origin().url("/stale"), "Cache-Control: max-stale=600");
        assertEquals("HIT from " + TestNode.NAME, staleOk.header("X-Cache"));
        assertEquals(1, node.origin().count("/stale"));
    }

    @Test
    void onlyIfCachedIs504WhenNotHeldAndAHitWhenHeld() throws Exception {
        node.origin().on("/only-if-cached", ScriptedOrigin.body(200, "held", "Cache-Control", "max-age=3600"));

        HttpConnection.Response notHeld = node.get(node.origin().url("/only-if-cached"), "Cache-Control: only-if-cached");
        assertEquals(504, notHeld.status());
        assertEquals(0, node.origin().count("/only-if-cached"));

        node.get(node.origin().url("/only-if-cached"));
        HttpConnection.Response held = node.get(node.origin().url("/only-if-cached"), "Cache-Control: only-if-cached");
        assertEquals(200, held.status());
        assertEquals("held", held.text());
        assertEquals(1, node.origin().count("/only-if-cached"));
    }

    @Test
    void varyKeepsAVariantPerNormalisedRequestValue() throws Exception {
        node.origin().on("/vary", exchange -> {
            String encoding = String.valueOf(exchange.getRequestHeaders().getFirst("Accept-Encoding"));
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.getResponseHeaders().add("Vary", "accept-encoding");
            byte[] body = ("for " + encoding).getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });

        assertEquals("for gzip, br", node.get(node.origin().url("/vary"), "Accept-Encoding: gzip, br").text());
        assertEquals("for identity", node.get(node.origin().url("/vary"), "Accept-Encoding: identity").text());
        HttpConnection.Response gzip = node.get(node.origin().url("/vary"), "Accept-Encoding:   gzip,   br");
        HttpConnection.Response identity = node.get(node.origin().url("/vary"), "Accept-Encoding: identity");

        assertEquals("for gzip, br", gzip.text());
        assertEquals("HIT from " + TestNode.NAME, gzip.header("X-Cache"));
        assertEquals("for identity", identity.text());
        assertEquals("HIT from " + TestNode.NAME, identity.header("X-Cache"));
        assertEquals(2, node.origin().count("/vary"));
    }

    @Test
    void conditionalRequestsAreAnswered304FromTheCache() throws Exception {
        node.origin().on("/conditional", ScriptedOrigin.body(200, "body", "Cache-Control", "max-age=3600", "ETag", "\"abc\"",
                "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"));
        node.get(node.origin().url("/conditional"));

        HttpConnection.Response inm = node.get(node.origin().url("/conditional"), "If-None-Match: \"x\", W/\"abc\"");
        HttpConnection.Response ims = node.get(node.origin().url("/conditional"), "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT");
        HttpConnection.Response changed = node.get(node.origin().url("/conditional"), "If-None-Match: \"other\"");

        assertEquals(304, inm.status());
        assertEquals("\"abc\"", inm.header("ETag"));
        assertNull(inm.header("Content-Length"));
        assertEquals(304, ims.status());
        assertEquals(200, changed.status());
        assertEquals("body", changed.text());
        assertEquals(1, node.origin().count("/conditional"));
    }

    @Test
    void aConditionalMissIsFetchedWholeStoredAndAnsweredFromTheEntry() throws Exception {
        node.origin().on("/conditional-miss", ScriptedOrigin.body(200, "whole", "Cache-Control", "max-age=3600", "ETag", "\"e\""));

        HttpConnection.Response response = node.get(node.origin().url("/conditional-miss"), "If-None-Match: \"e\"");

        assertEquals(304, response.status());
        assertNull(node.origin().requests("/conditional-miss").get(0).getFirst("If-None-Match"));
        assertEquals("whole", node.get(node.origin().url("/conditional-miss")).text());
        assertEquals(1, node.origin().count("/conditional-miss"));
    }

    @Test
    void headIsAnsweredFromAStoredGetAndAHeadMissStoresTheGet() throws Exception {
        node.origin().on("/head", ScriptedOrigin.body(200, "twelve bytes", "Cache-Control", "max-age=3600"));

        HttpConnection.Response head = node.send("HEAD " + node.origin().url("/head") + " HTTP/1.1\nHost: x\n\n");
        HttpConnection.Response get = node.get(node.origin().url("/head"));

        assertEquals(200, head.status());
        assertEquals("12", head.header("Content-Length"));
        assertEquals(0, head.body().length);
        assertEquals("twelve bytes", get.text());
        assertEquals("HIT from " + TestNode.NAME, get.header("X-Cache"));
        assertEquals(1, node.origin().count("/head"));
    }

    @Test
    void aByteRangeOfAStoredResponse() throws Exception {
        node.origin().on("/range", ScriptedOrigin.body(200, "0123456789", "Cache-Control", "max-age=3600", "ETag", "\"r\""));
        node.get(node.origin().url("/range"));

        HttpConnection.Response middle = node.get(node.origin().url("/range"), "Range: bytes=2-5");
        HttpConnection.Response suffix = node.get(node.origin().url("/range"), "Range: bytes=-3");
        HttpConnection.Response beyond = node.get(node.origin().url("/range"), "Range: bytes=20-");
        HttpConnection.Response otherVersion = node.get(node.origin().url("/range"), "Range: bytes=2-5", "If-Range: \"old\"");

        assertEquals(206, middle.status());
        assertEquals("2345", middle.text());
        assertEquals("bytes 2-5/10", middle.header("Content-Range"));
        assertEquals("789", suffix.text());
        assertEquals(416, beyond.status());
        assertEquals("bytes */10", beyond.header("Content-Range"));
        assertEquals(200, otherVersion.status());
        assertEquals("0123456789", otherVersion.text());
        assertEquals(1, node.origin().count("/range"));
    }

    @Test
    void aSuccessfulUnsafeMethodInvalidatesTheUrl() throws Exception {
        node.origin().on("/unsafe", exchange -> {
            byte[] received = exchange.getRequestBody().readAllBytes();
            byte[] body = (exchange.getRequestMethod() + " " + new String(received)).getBytes();
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });
        node.get(node.origin().url("/unsafe"));

        HttpConnection.Response post = node.send("POST " + node.origin().url("/unsafe") + " HTTP/1.1\nHost: x\n"
                + "Content-Length: 5\n\nhello");
        HttpConnection.Response chunkedPut = node.send("PUT " + node.origin().url("/unsafe") + " HTTP/1.1\nHost: x\n"
                + "Transfer-Encoding: chunked\n\n3\nabc\n2\nde\n0\n\n");
        HttpConnection.Response after = node.get(node.origin().url("/unsafe"));

        assertEquals("POST hello", post.text());
        assertEquals("PUT abcde", chunkedPut.text());
        assertEquals("MISS from " + TestNode.NAME, after.header("X-Cache"));
        assertEquals(4, node.origin().count("/unsafe"));
    }

    @Test
    void aSuccessfulUnsafeMethodInvalidatesItsLocationAndContentLocationOnTheSameOriginOnly() throws Exception {
        for (String path : List.of("/created", "/content-here", "/elsewhere-kept")) {
            node.origin().on(path, ScriptedOrigin.body(200, path, "Cache-Control", "max-age=3600"));
            node.get(node.origin().url(path));
        }
        String otherOrigin = "http://localhost:" + node.origin().port() + "/elsewhere-kept"; // another host name: another origin
        node.get(otherOrigin);
        node.origin().on("/collection", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Location", "created");
            exchange.getResponseHeaders().add("Content-Location", node.origin().url("/content-here"));
            exchange.sendResponseHeaders(201, -1);
        });
        node.origin().on("/moved", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Location", otherOrigin);
            exchange.sendResponseHeaders(303, -1);
        });

        assertEquals(201, node.send("POST " + node.origin().url("/collection") + " HTTP/1.1\nHost: x\nContent-Length: 1\n\nx").status());
        assertEquals(303, node.send("POST " + node.origin().url("/moved") + " HTTP/1.1\nHost: x\nContent-Length: 1\n\nx").status());

        assertEquals("MISS from " + TestNode.NAME, node.get(node.origin().url("/created")).header("X-Cache"), "a relative Location");
        assertEquals("MISS from " + TestNode.NAME, node.get(node.origin().url("/content-here")).header("X-Cache"));
        assertEquals("HIT from " + TestNode.NAME, node.get(otherOrigin).header("X-Cache"),
                "a Location on another origin is not invalidated");
    }

    @Test
    void a200ToAHeadPassedOnRefreshesTheStoredGetItDescribes() throws Exception {
        AtomicInteger gets = new AtomicInteger();
        node.origin().on("/head-refresh", exchange -> {
            if (exchange.getRequestMethod().equals("GET")) {
                gets.incrementAndGet();
                ScriptedOrigin.body(200, "body", "Cache-Control", "max-age=60", "Age", "100", "ETag", "\"a\"").answer(exchange);
            } else {
                exchange.getResponseHeaders().add("Cache-Control", "public, max-age=600");
                exchange.getResponseHeaders().add("ETag", "\"a\"");
                exchange.getResponseHeaders().add("X-Refreshed", "yes");
                exchange.getResponseHeaders().add("Content-Length", "4"); // the GET's body's, as origins say it
                exchange.sendResponseHeaders(200, -1);
            }
        });
        node.origin().on("/head-longer", exchange -> {
            if (exchange.getRequestMethod().equals("GET")) {
                ScriptedOrigin.body(200, "body", "Cache-Control", "max-age=60", "Age", "100", "ETag", "\"a\"").answer(exchange);
            } else {
                exchange.getResponseHeaders().add("Cache-Control", "public, max-age=600");
                exchange.getResponseHeaders().add("ETag", "\"a\"");
                exchange.getResponseHeaders().add("Content-Length", "5"); // not the stored body's 4
                exchange.sendResponseHeaders(200, -1);
            }
        });
        node.origin().on("/head-other", exchange -> {
            if (exchange.getRequestMethod().equals("GET")) {
                ScriptedOrigin.body(200, "body", "Cache-Control", "max-age=60", "Age", "100", "ETag", "\"a\"").answer(exchange);
            } else {
                exchange.getResponseHeaders().add("Cache-Control", "public, max-age=600");
                exchange.getResponseHeaders().add("ETag", "\"b\"");
                exchange.sendResponseHeaders(200, -1);
            }
        });

        node.get(node.origin().url("/head-refresh")); // stored, stale already (Age 100, max-age 60)
        node.get(node.origin().url("/head-other"));
        // A HEAD with Authorization is passed on as it is; its public answer may update the entry.
        node.send("HEAD " + node.origin().url("/head-refresh") + " HTTP/1.1\nHost: x\nAuthorization: Basic dTpw\n\n");
        node.send("HEAD " + node.origin().url("/head-other") + " HTTP/1.1\nHost: x\nAuthorization: Basic dTpw\n\n");
        node.get(node.origin().url("/head-longer"));
        node.send("HEAD " + node.origin().url("/head-longer") + " HTTP/1.1\nHost: x\nAuthorization: Basic dTpw\n\n");
        HttpConnection.Response longer = node.get(node.origin().url("/head-longer"));
        HttpConnection.Response refreshed = node.get(node.origin().url("/head-refresh"));
        HttpConnection.Response other = node.get(node.origin().url("/head-other"));

        assertEquals("HIT from " + TestNode.NAME, refreshed.header("X-Cache"), "fresh again from the HEAD's max-age");
        assertEquals("yes", refreshed.header("X-Refreshed"));
        assertEquals("body", refreshed.text());
        assertEquals(1, gets.get());
        assertEquals("MISS from " + TestNode.NAME, other.header("X-Cache"), "another ETag: the HEAD did not describe it");
        assertEquals("MISS from " + TestNode.NAME, longer.header("X-Cache"), "another length: the HEAD did not describe it");
    }

    @Test
    void interimResponsesGoToTheClientThatAskedAndAreNeverStoredOrReplayed() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        try (java.net.ServerSocket rawOrigin = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                while (!rawOrigin.isClosed()) {
                    try (java.net.Socket socket = rawOrigin.accept()) {
                        socket.setSoTimeout(10_000);
                        java.io.InputStream in = socket.getInputStream();
                        StringBuilder request = new StringBuilder();
                        while (!request.toString().endsWith("\r\n\r\n")) {
                            int c = in.read();
                            if (c < 0) {
                                break;
                            }
                            request.append((char) c);
                        }
                        asked.incrementAndGet();
                        socket.getOutputStream().write(("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                                + "HTTP/1.1 102 Processing\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: max-age=600\r\nConnection: close\r\n\r\nfinal")
                                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            serving.setDaemon(true);
            serving.start();
            String url = "http://127.0.0.1:" + rawOrigin.getLocalPort() + "/hints";

            HttpConnection.Response early;
            HttpConnection.Response processing;
            HttpConnection.Response first;
            try (HttpConnection connection = new HttpConnection(node.http())) {
                connection.write("GET " + url + " HTTP/1.1\nHost: x\n\n");
                early = connection.read(false);
                processing = connection.read(false);
                first = connection.read(false);
            }
            HttpConnection.Response hit;
            try (HttpConnection connection = new HttpConnection(node.http())) {
                hit = connection.send("GET " + url + " HTTP/1.1\nHost: x\n\n");
            }
            HttpConnection.Response old = node.send("GET " + url + " HTTP/1.0\n\n");

            assertEquals(103, early.status());
            assertEquals("</style.css>; rel=preload", early.header("Link"));
            assertEquals(102, processing.status());
            assertEquals(200, first.status());
            assertEquals("final", first.text());
            assertEquals(null, first.header("Link"), "the 103's fields stay out of the final response");
            assertEquals(200, hit.status(), "the hit starts with the final response: no 103 replayed");
            assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
            assertEquals(null, hit.header("Link"));
            assertEquals(200, old.status());
            assertEquals(1, asked.get());
        }
    }

    @Test
    void a304NeverUpdatesTheStoredContentLength() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        try (sibyl.node.origin.RawOrigin raw = new sibyl.node.origin.RawOrigin(socket -> {
            while (sibyl.node.origin.RawOrigin.readRequest(socket)) {
                // The 304 says "Content-Length: 0", as some servers do: the length of its own (no) body.
                String answer = asked.incrementAndGet() == 1
                        ? "HTTP/1.1 200 OK\r\nCache-Control: max-age=0\r\nETag: \"l\"\r\nContent-Length: 12\r\n\r\ntwelve bytes"
                        : "HTTP/1.1 304 Not Modified\r\nCache-Control: max-age=600\r\nETag: \"l\"\r\nContent-Length: 0\r\n\r\n";
                socket.getOutputStream().write(answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        })) {
            String url = "http://127.0.0.1:" + raw.port() + "/length-kept";
            node.get(url);
            HttpConnection.Response refreshed = node.get(url);
            HttpConnection.Response hit = node.get(url);

            assertEquals("twelve bytes", refreshed.text());
            assertEquals("12", refreshed.header("Content-Length"));
            assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
            assertEquals("twelve bytes", hit.text());
            List<sibyl.node.cache.CacheEntry> stored = node.sibyl().index().peek(sibyl.node.cache.CacheKey.of(url));
            assertEquals(1, stored.size());
            assertEquals(null, stored.get(0).headers().get("Content-Length"), "framing is never stored: it comes from the body");
            assertEquals(2, asked.get());
        }
    }

    @Test
    void explicitFreshnessIsHonouredForAnyStatus() throws Exception {
        node.origin().on("/error-cached", ScriptedOrigin.body(500, "busy", "Cache-Control", "max-age=60"));

        node.get(node.origin().url("/error-cached"));
        HttpConnection.Response hit = node.get(node.origin().url("/error-cached"));

        assertEquals(500, hit.status());
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals(1, node.origin().count("/error-cached"));
    }

    @Test
    void purgeRemovesEveryVariant() throws Exception {
        node.origin().on("/purge", exchange -> {
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.getResponseHeaders().add("Vary", "Accept-Language");
            exchange.sendResponseHeaders(200, 1);
            exchange.getResponseBody().write('x');
        });
        node.get(node.origin().url("/purge"), "Accept-Language: en");
        node.get(node.origin().url("/purge"), "Accept-Language: fr");

        HttpConnection.Response purged = node.send("PURGE " + node.origin().url("/purge") + " HTTP/1.1\nHost: x\n\n");
        HttpConnection.Response again = node.send("PURGE " + node.origin().url("/purge") + " HTTP/1.1\nHost: x\n\n");

        assertEquals(200, purged.status());
        assertEquals(404, again.status());
        assertEquals("MISS from " + TestNode.NAME, node.get(node.origin().url("/purge"), "Accept-Language: fr").header("X-Cache"));
        assertEquals(3, node.origin().count("/purge"));
    }

    @Test
    void hopByHopFieldsAndThoseConnectionNamesAreNotForwarded() throws Exception {
        node.origin().on("/hop", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=3600", "Connection", "X-Origin-Hop",
                "X-Origin-Hop", "secret", "Keep-Alive", "timeout=5"));

        HttpConnection.Response response = node.get(node.origin().url("/hop"), "Connection: X-Client-Hop", "X-Client-Hop: 1",
                "Proxy-Authorization: Basic dTpw");
        HttpConnection.Response hit = node.get(node.origin().url("/hop"));

        assertNull(response.header("X-Origin-Hop"));
        assertNull(response.header("Keep-Alive"));
        assertNull(hit.header("X-Origin-Hop"));
        assertNull(node.origin().requests("/hop").get(0).getFirst("X-Client-Hop"));
        assertNull(node.origin().requests("/hop").get(0).getFirst("Proxy-Authorization"));
        assertEquals("127.0.0.1", node.origin().requests("/hop").get(0).getFirst("X-Forwarded-For"));
    }

    @Test
    void concurrentMissesForOneUrlShareASingleOriginRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        byte[] body = new byte[100_000];
        new Random(7).nextBytes(body);
        node.origin().on("/slow", exchange -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });
        int clients = 20;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<HttpConnection.Response>> responses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                responses.add(pool.submit(() -> node.get(node.origin().url("/slow"))));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> node.origin().count("/slow") == 1);
            release.countDown();
            for (Future<HttpConnection.Response> response : responses) {
                assertArrayEquals(body, response.get().body());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, node.origin().count("/slow"));
    }

    @Test
    void aResponseOverMaxObjectSizeStreamsThroughUnstored() throws Exception {
        byte[] body = new byte[600_000];
        new Random(3).nextBytes(body);
        node.origin().on("/large", exchange -> {
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, 0); // chunked: the size is only known as it arrives
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });

        HttpConnection.Response first = node.get(node.origin().url("/large"));
        HttpConnection.Response second = node.get(node.origin().url("/large"));

        assertArrayEquals(body, first.body());
        assertTrue(first.chunked());
        assertArrayEquals(body, second.body());
        assertEquals(2, node.origin().count("/large"));
        assertTrue(node.sibyl().index().peek(sibyl.node.cache.CacheKey.of(node.origin().url("/large"))).isEmpty());
    }

    @Test
    void chunkedOriginBodiesReachHttp10ClientsDelimitedByTheClose() throws Exception {
        node.origin().on("/chunked", exchange -> {
            exchange.getResponseHeaders().add("Cache-Control", "max-age=0, must-revalidate");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("chunked body".getBytes());
            }
        });

        try (HttpConnection connection = node.connect()) {
            HttpConnection.Response response = connection.send("GET " + node.origin().url("/chunked") + " HTTP/1.0\n\n");
            assertEquals("chunked body", response.text());
            assertNull(response.header("Transfer-Encoding"));
            assertEquals("close", response.header("Connection"));
        }
    }

    @Test
    void keepAliveServesPipelinedRequestsInOrder() throws Exception {
        node.origin().on("/one", ScriptedOrigin.body(200, "one", "Cache-Control", "max-age=3600"));
        node.origin().on("/two", ScriptedOrigin.body(200, "two", "Cache-Control", "max-age=3600"));

        try (HttpConnection connection = node.connect()) {
            connection.write("GET " + node.origin().url("/one") + " HTTP/1.1\nHost: x\n\nGET " + node.origin().url("/two")
                    + " HTTP/1.1\nHost: x\n\n");
            assertEquals("one", connection.read(false).text());
            assertEquals("two", connection.read(false).text());
            HttpConnection.Response http10 = connection.send("GET " + node.origin().url("/one")
                    + " HTTP/1.0\nConnection: keep-alive\n\n");
            assertEquals("keep-alive", http10.header("Connection"));
            assertEquals("one", connection.send("GET " + node.origin().url("/one") + " HTTP/1.1\nHost: x\n\n").text());
        }
    }

    @Test
    void icpAnswersHitOnlyForWhatIsHeldFreshForThirtySecondsMore() throws Exception {
        node.origin().on("/icp-long", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=3600"));
        node.origin().on("/icp-short", ScriptedOrigin.body(200, "x", "Cache-Control", "max-age=10"));
        node.get(node.origin().url("/icp-long"));
        node.get(node.origin().url("/icp-short"));

        try (IcpClient icp = IcpClient.openFor(node.sibyl().icpAddresses().get(0))) {
            java.net.InetSocketAddress address = node.sibyl().icpAddresses().get(0);
            assertEquals(IcpOpcode.HIT, icp.query(address, node.origin().url("/icp-long"), Duration.ofSeconds(2)).join().message().opcode());
            assertEquals(IcpOpcode.MISS, icp.query(address, node.origin().url("/icp-short"), Duration.ofSeconds(2)).join().message().opcode());
            assertEquals(IcpOpcode.MISS, icp.query(address, node.origin().url("/icp-never"), Duration.ofSeconds(2)).join().message().opcode());
        }
    }

    @Test
    void originHostNamesAreResolved() throws Exception {
        node.origin().on("/named", ScriptedOrigin.body(200, "by name", "Cache-Control", "max-age=60"));

        HttpConnection.Response response = node.get("http://localhost:" + node.origin().port() + "/named");

        assertEquals(200, response.status());
        assertEquals("by name", response.text());
        assertEquals("localhost:" + node.origin().port(), node.origin().requests("/named").get(0).getFirst("Host"));
    }

    @Test
    void countersPageUsesSquidsNames() throws Exception {
        HttpConnection.Response counters = node.send("GET /squid-internal-mgr/counters HTTP/1.1\nHost: node\n\n");
        HttpConnection.Response digest = node.send("GET http://127.0.0.1/squid-internal-periodic/store_digest HTTP/1.1\n"
                + "Host: 127.0.0.1\n\n");

        assertEquals(200, counters.status());
        assertTrue(counters.text().contains("client_http.requests = "), counters.text());
        assertTrue(counters.text().contains("sibyl.evictions = "), counters.text());
        assertEquals(404, digest.status());
    }

}
