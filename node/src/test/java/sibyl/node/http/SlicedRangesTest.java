package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Range misses answered from slices (cache.slice-size, 16k here; objects over 64k are too large
 * to store whole), in both of the node's modes: what the client receives, byte for byte and field
 * by field, and which ranges the origin was asked and how many bytes it sent.
 */
class SlicedRangesTest {
    static final int SLICE = 16 * 1024;

    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> """
            http.accelerate { "*" = "127.0.0.1:%d" }
            cache.slice-size = 16k
            cache.max-object-size = 64k
            """.formatted(origin.port()));

    enum Mode {
        FORWARD, ACCELERATOR;

        String path(String name) {
            return "/" + name().toLowerCase(java.util.Locale.ROOT) + "/" + name;
        }

        HttpConnection.Response get(String name, String... headerLines) throws IOException {
            String target = this == FORWARD ? node.origin().url(path(name)) : path(name);
            String host = this == FORWARD ? "127.0.0.1:" + node.origin().port() : "www.example.test";
            return node.send("GET " + target + " HTTP/1.1\nHost: " + host + "\n" + String.join("\n", headerLines)
                    + (headerLines.length > 0 ? "\n" : "") + "\n");
        }
    }

    /** Bytes no two offsets of which are easily confused: a slice put in the wrong place shows. */
    static byte[] representation(int length, int seed) {
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            body[i] = (byte) (i * 31 + i / 251 + seed);
        }
        return body;
    }

    /**
     * An origin that honours {@code Range: bytes=first-last} and {@code bytes=first-} with a 206,
     * If-Range, and If-None-Match with a 304, of the representation {@code body} gives for the
     * request's number (from 1), counting the body bytes it sends.
     */
    record Ranged(IntFunction<byte[]> body, IntFunction<String> etag, AtomicLong sent, String cacheControl)
            implements ScriptedOrigin.Script {
        static Ranged of(byte[] body, String etag) {
            return new Ranged(n -> body, n -> etag, new AtomicLong(), "max-age=600");
        }

        @Override
        public void answer(HttpExchange exchange) throws IOException {
            int n = (int) node.origin().requests(exchange.getRequestURI().toString()).size();
            byte[] bytes = body.apply(n);
            String tag = etag.apply(n);
            Headers out = exchange.getResponseHeaders();
            out.set("Cache-Control", cacheControl);
            if (tag != null) {
                out.set("ETag", tag);
            }
            if (tag != null && tag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            String range = exchange.getRequestHeaders().getFirst("Range");
            String ifRange = exchange.getRequestHeaders().getFirst("If-Range");
            int first = 0;
            int last = bytes.length - 1;
            int status = 200;
            if (range != null && range.matches("bytes=\\d+-\\d*") && (ifRange == null || ifRange.equals(tag))) {
                String[] bounds = range.substring(6).split("-", -1);
                first = Integer.parseInt(bounds[0]);
                last = bounds[1].isEmpty() ? last : (int) Math.min(last, Long.parseLong(bounds[1]));
                status = 206;
                out.set("Content-Range", "bytes " + first + "-" + last + "/" + bytes.length);
            }
            exchange.sendResponseHeaders(status, last - first + 1);
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(bytes, first, last - first + 1);
                sent.addAndGet(last - first + 1);
            } catch (IOException closedByThePeer) {
                // a slice fetch given up
            }
        }
    }

    private static List<String> rangesAsked(Mode mode, String name) {
        return node.origin().requests(mode.path(name)).stream().map(headers -> headers.getFirst("Range")).toList();
    }

    private static void assertPart(byte[] whole, int first, int last, HttpConnection.Response response) {
        assertEquals(206, response.status());
        assertEquals("bytes " + first + "-" + last + "/" + whole.length, response.header("Content-Range"));
        assertEquals(String.valueOf(last - first + 1), response.header("Content-Length"));
        assertArrayEquals(Arrays.copyOfRange(whole, first, last + 1), response.body());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRangeOfALargeObjectIsFetchedAsTheSlicesCoveringItAndLaterRangesComeFromThem(Mode mode) throws Exception {
        byte[] video = representation(200_000, 1);
        Ranged script = Ranged.of(video, "\"v1\"");
        node.origin().on(mode.path("video"), script);

        HttpConnection.Response miss = mode.get("video", "Range: bytes=20000-40000");

        assertPart(video, 20000, 40000, miss);
        assertEquals("\"v1\"", miss.header("ETag"));
        assertEquals("max-age=600", miss.header("Cache-Control"));
        assertTrue(miss.header("X-Cache").startsWith("MISS"), miss.header("X-Cache"));
        assertEquals(List.of("bytes=16384-32767", "bytes=32768-49151"), rangesAsked(mode, "video"));
        assertEquals(2 * SLICE, script.sent().get(), "two slices, never the whole");

        HttpConnection.Response within = mode.get("video", "Range: bytes=17000-17010");
        HttpConnection.Response across = mode.get("video", "Range: bytes=30000-40000");

        assertPart(video, 17000, 17010, within);
        assertPart(video, 30000, 40000, across);
        assertTrue(within.header("X-Cache").startsWith("HIT"), within.header("X-Cache"));
        assertTrue(Integer.parseInt(within.header("Age")) >= 0);
        assertEquals(2, node.origin().count(mode.path("video")), "both answered from the slices held");

        HttpConnection.Response tail = mode.get("video", "Range: bytes=190000-");

        assertPart(video, 190000, 199999, tail);
        assertEquals(List.of("bytes=16384-32767", "bytes=32768-49151", "bytes=180224-196607", "bytes=196608-212991"),
                rangesAsked(mode, "video"));
        assertEquals(2 * SLICE + SLICE + (200_000 - 196_608), script.sent().get());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anObjectThatIsOneSliceIsStoredWholeAndAnswersEveryLaterRequest(Mode mode) throws Exception {
        byte[] page = representation(5000, 2);
        node.origin().on(mode.path("small"), Ranged.of(page, "\"s1\""));

        assertPart(page, 10, 19, mode.get("small", "Range: bytes=10-19"));
        HttpConnection.Response whole = mode.get("small");
        HttpConnection.Response end = mode.get("small", "Range: bytes=4990-");

        assertEquals(200, whole.status());
        assertNull(whole.header("Content-Range"));
        assertArrayEquals(page, whole.body());
        assertTrue(whole.header("X-Cache").startsWith("HIT"), whole.header("X-Cache"));
        assertPart(page, 4990, 4999, end);
        assertEquals(1, node.origin().count(mode.path("small")));
    }

    @Test
    void aRangeThatStartsPastTheEndIs416FromTheSliceHeld() throws Exception {
        byte[] body = representation(20000, 3);
        node.origin().on(Mode.FORWARD.path("short"), Ranged.of(body, "\"t1\""));
        assertPart(body, 17000, 17100, Mode.FORWARD.get("short", "Range: bytes=17000-17100"));

        HttpConnection.Response past = Mode.FORWARD.get("short", "Range: bytes=25000-");

        assertEquals(416, past.status());
        assertEquals("bytes */20000", past.header("Content-Range"));
        assertEquals(1, node.origin().count(Mode.FORWARD.path("short")));
    }

    @Test
    void anOriginThatSendsNoStrongEtagOrIgnoresRangeIsAskedAsTheClientAsked() throws Exception {
        byte[] body = representation(100_000, 4);
        node.origin().on(Mode.FORWARD.path("weak"), Ranged.of(body, "W/\"w1\""));
        node.origin().on(Mode.FORWARD.path("untagged"), Ranged.of(body, null));
        node.origin().on(Mode.FORWARD.path("ignores"), ScriptedOrigin.bytes(body, "Cache-Control", "max-age=600"));

        for (String name : List.of("weak", "untagged")) {
            assertPart(body, 50000, 50009, Mode.FORWARD.get(name, "Range: bytes=50000-50009"));
            assertPart(body, 50000, 50009, Mode.FORWARD.get(name, "Range: bytes=50000-50009"));
            assertEquals(List.of("bytes=49152-65535", "bytes=50000-50009", "bytes=49152-65535", "bytes=50000-50009"),
                    rangesAsked(Mode.FORWARD, name), name + ": a slice asked for, not stored; then the range as asked");
        }
        HttpConnection.Response ignored = Mode.FORWARD.get("ignores", "Range: bytes=50000-50009");
        assertEquals(200, ignored.status(), "the origin's own answer to the range as asked");
        assertArrayEquals(body, ignored.body());
    }

    @Test
    void aWholeResponseToASliceIsStoredAsTheUrlsWhenItMayBeAndAnswersTheRange() throws Exception {
        byte[] body = representation(5000, 9);
        node.origin().on(Mode.FORWARD.path("ignores-small"), ScriptedOrigin.bytes(body, "Cache-Control", "max-age=600"));

        HttpConnection.Response part = Mode.FORWARD.get("ignores-small", "Range: bytes=100-199");
        HttpConnection.Response whole = Mode.FORWARD.get("ignores-small");

        assertPart(body, 100, 199, part);
        assertArrayEquals(body, whole.body());
        assertTrue(whole.header("X-Cache").startsWith("HIT"), whole.header("X-Cache"));
        assertEquals(1, node.origin().count(Mode.FORWARD.path("ignores-small")));
    }

    @Test
    void anIfRangeForAnotherRepresentationGetsTheWholeOneFromTheOrigin() throws Exception {
        byte[] body = representation(100_000, 5);
        node.origin().on(Mode.FORWARD.path("if-range"), Ranged.of(body, "\"r2\""));
        assertPart(body, 0, 9, Mode.FORWARD.get("if-range", "Range: bytes=0-9"));

        HttpConnection.Response same = Mode.FORWARD.get("if-range", "Range: bytes=5-9", "If-Range: \"r2\"");
        HttpConnection.Response other = Mode.FORWARD.get("if-range", "Range: bytes=5-9", "If-Range: \"r1\"");

        assertPart(body, 5, 9, same);
        assertEquals(200, other.status());
        assertArrayEquals(body, other.body());
        assertEquals(2, node.origin().count(Mode.FORWARD.path("if-range")), "the slice, then the whole for If-Range \"r1\"");
    }

    @Test
    void aRepresentationThatChangesBetweenSlicesCutsTheResponseShortAndItsSlicesAreDropped() throws Exception {
        byte[] v1 = representation(100_000, 6);
        byte[] v2 = representation(100_000, 7);
        // The first request gets version 1; every later one, version 2.
        node.origin().on(Mode.FORWARD.path("changing"), new Ranged(n -> n <= 1 ? v1 : v2, n -> n <= 1 ? "\"c1\"" : "\"c2\"",
                new AtomicLong(), "max-age=600"));

        HttpConnection.Response cut = Mode.FORWARD.get("changing", "Range: bytes=10000-20000");
        HttpConnection.Response again = Mode.FORWARD.get("changing", "Range: bytes=10000-20000");

        assertEquals(206, cut.status());
        assertEquals("bytes 10000-20000/100000", cut.header("Content-Range"));
        assertEquals(16384 - 10000, cut.body().length, "version 1's first slice, then the connection closed:"
                + " its second cannot follow from version 2");
        assertArrayEquals(Arrays.copyOfRange(v1, 10000, 16384), cut.body());
        assertPart(v2, 10000, 20000, again);
        assertEquals(List.of("bytes=0-16383", "bytes=16384-32767", "bytes=0-16383", "bytes=16384-32767"),
                rangesAsked(Mode.FORWARD, "changing"), "both slices fetched again, version 1's dropped");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void staleSlicesAreRevalidatedAndA304KeepsTheirBytes(Mode mode) throws Exception {
        byte[] body = representation(100_000, 10);
        Ranged script = new Ranged(n -> body, n -> "\"e1\"", new AtomicLong(), "max-age=0");
        node.origin().on(mode.path("stale-slices"), script);
        assertPart(body, 10000, 20000, mode.get("stale-slices", "Range: bytes=10000-20000"));
        long sentFirst = script.sent().get();

        HttpConnection.Response again = mode.get("stale-slices", "Range: bytes=10000-20000");

        assertPart(body, 10000, 20000, again);
        assertEquals(2 * SLICE, sentFirst);
        assertEquals(sentFirst, script.sent().get(), "two 304s: no body sent again");
        List<Headers> asked = node.origin().requests(mode.path("stale-slices"));
        assertEquals(4, asked.size());
        assertEquals(java.util.Arrays.asList(null, null, "\"e1\"", "\"e1\""),
                asked.stream().map(headers -> headers.getFirst("If-None-Match")).toList());
        assertEquals(List.of("bytes=0-16383", "bytes=16384-32767", "bytes=0-16383", "bytes=16384-32767"),
                rangesAsked(mode, "stale-slices"));
    }

    @Test
    void aPurgeOfTheUrlRemovesItsSlices() throws Exception {
        byte[] body = representation(100_000, 8);
        node.origin().on(Mode.FORWARD.path("purged"), Ranged.of(body, "\"p1\""));
        Mode.FORWARD.get("purged", "Range: bytes=70000-70009");

        HttpConnection.Response purge = node.send("PURGE " + node.origin().url(Mode.FORWARD.path("purged")) + " HTTP/1.1\nHost: "
                + "127.0.0.1:" + node.origin().port() + "\n\n");
        HttpConnection.Response after = Mode.FORWARD.get("purged", "Range: bytes=70000-70009");

        assertEquals(200, purge.status(), "the URL was held, as slices");
        assertPart(body, 70000, 70009, after);
        assertEquals(2, node.origin().count(Mode.FORWARD.path("purged")));
    }
}
