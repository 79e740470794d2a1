package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sibyl.node.LiveObjects;

/**
 * Bodies through the node's spliced paths, byte for byte: hits out of the pipe store, and
 * unstored bodies spliced from the origin's socket into the client's.
 */
class SplicedPathsTest {
    private static final int MIB = 1 << 20;
    private static final int LARGEST_STORED = 16 * MIB + 3;

    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        assumeTrue(Epoll.isAvailable(), "splice needs Linux's epoll transport");
        Path nocache = directory.resolve("nocache.rules");
        Files.writeString(nocache, "/nocache/\n");
        return """
                cache.max-object-size = %d
                cache.pipe { min-object-size = 0, max-object-size = 32m, size = 1m }
                origin.splice-min-size = 0
                http.nocache-rules = "%s"
                """.formatted(LARGEST_STORED, nocache);
    });

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, MIB - 1, MIB, MIB + 1, 16 * MIB + 3})
    void storedBodiesAreServedOutOfTheirPipesByteExact(int size) throws Exception {
        byte[] body = random(size);
        String path = "/stored/" + size;
        node.origin().on(path, ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        long pipeBodies = storeCounter("pipe_bodies");

        HttpConnection.Response miss = node.get(node.origin().url(path));
        HttpConnection.Response hit = node.get(node.origin().url(path));

        assertEquals(200, miss.status());
        assertArrayEquals(body, miss.body());
        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"));
        assertEquals(String.valueOf(size), hit.header("Content-Length"));
        assertArrayEquals(body, hit.body());
        assertEquals(1, node.origin().count(path));
        assertEquals(pipeBodies + 1, storeCounter("pipe_bodies"), "kept in pipes (an empty body in none)");
        assertEquals(0, storeCounter("pipe_copied_transfers"), "spliced, never copied");
    }

    @Test
    void rangesOfAPipedBodyAreExact() throws Exception {
        byte[] body = random(3 * MIB + 7);
        node.origin().on("/stored/ranges", ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        node.get(node.origin().url("/stored/ranges"));
        int[][] ranges = {{0, 0}, {MIB - 1, MIB + 1}, {MIB, 2 * MIB}, {3 * MIB, 3 * MIB + 6}, {5, 2 * MIB + 100}};
        for (int[] range : ranges) {
            HttpConnection.Response part = node.get(node.origin().url("/stored/ranges"), "Range: bytes=" + range[0] + "-" + range[1]);
            assertEquals(206, part.status());
            assertEquals("bytes " + range[0] + "-" + range[1] + "/" + body.length, part.header("Content-Range"));
            assertArrayEquals(Arrays.copyOfRange(body, range[0], range[1] + 1), part.body(), range[0] + "-" + range[1]);
        }
        assertEquals(1, node.origin().count("/stored/ranges"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, MIB - 1, MIB, MIB + 1, 16 * MIB + 3})
    void unstoredBodiesAreSplicedFromOriginToClientByteExact(int size) throws Exception {
        byte[] body = random(size);
        long spliced = counter("sibyl.spliced_responses");
        int responses = 0;
        for (String kind : new String[] {"no-store", "nocache"}) {
            String path = "/" + kind + "/" + size;
            node.origin().on(path, ScriptedOrigin.bytes(body, "Cache-Control", kind.equals("no-store") ? "no-store" : "max-age=3600"));
            for (int i = 0; i < 2; i++) {
                HttpConnection.Response response = node.get(node.origin().url(path));
                assertEquals(200, response.status());
                assertEquals(String.valueOf(size), response.header("Content-Length"));
                assertArrayEquals(body, response.body(), kind + " " + size);
                assertEquals("MISS from " + TestNode.NAME, response.header("X-Cache"));
                responses++;
            }
            assertEquals(2, node.origin().count(path), "never stored");
        }
        // Bodies that came whole with the head have nothing left to splice.
        if (size >= MIB) {
            assertEquals(spliced + responses, counter("sibyl.spliced_responses"));
        }
    }

    @Test
    void aKeptAliveClientHoldsNoExchangeOnceItsSplicedResponseHasEnded() throws Exception {
        byte[] body = random(MIB + 1);
        node.origin().on("/no-store/kept-alive", ScriptedOrigin.bytes(body, "Cache-Control", "no-store"));
        long spliced = counter("sibyl.spliced_responses");
        try (HttpConnection connection = node.connect()) {
            for (int i = 0; i < 200; i++) {
                HttpConnection.Response response = connection.send("GET " + node.origin().url("/no-store/kept-alive")
                        + " HTTP/1.1\nHost: 127.0.0.1\n\n");
                assertEquals(200, response.status());
                assertArrayEquals(body, response.body());
            }
            assertEquals(spliced + 200, counter("sibyl.spliced_responses"), "every one spliced");
            // Before, each spliced response left a listener on the client's close future, holding
            // its exchange (and fetch, request, origin channel) until the client closed.
            long exchanges = LiveObjects.count("sibyl.node.origin.Exchange");
            assertTrue(exchanges < 20, exchanges + " exchanges alive on a connection still open after 200 responses");
        }
    }


    @Test
    void aBodyLargerThanTheCacheTakesIsSplicedThrough() throws Exception {
        byte[] body = random(LARGEST_STORED + 1);
        node.origin().on("/large", ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        long spliced = counter("sibyl.spliced_responses");

        assertArrayEquals(body, node.get(node.origin().url("/large")).body());
        assertArrayEquals(body, node.get(node.origin().url("/large")).body());

        assertEquals(2, node.origin().count("/large"));
        assertEquals(spliced + 2, counter("sibyl.spliced_responses"));
    }

    @Test
    void aSlowReaderGetsEverySplicedByte() throws Exception {
        byte[] body = random(16 * MIB + 3);
        node.origin().on("/no-store/slow", ScriptedOrigin.bytes(body, "Cache-Control", "no-store"));
        node.origin().on("/stored/slow", ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        node.get(node.origin().url("/stored/slow"));
        for (String path : new String[] {"/no-store/slow", "/stored/slow"}) {
            try (Socket socket = new Socket()) {
                socket.setReceiveBufferSize(4096);
                socket.connect(node.http(), 5000);
                socket.setSoTimeout(30_000);
                request(socket, node.origin().url(path));
                byte[] got = readBody(socket.getInputStream(), 4096);
                assertArrayEquals(body, got, path);
            }
        }
    }

    @Test
    void clientsLeavingMidBodyLeakNoDescriptor() throws Exception {
        byte[] body = random(16 * MIB);
        node.origin().on("/no-store/abort", ScriptedOrigin.bytes(body, "Cache-Control", "no-store"));
        node.origin().on("/stored/abort", ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        node.get(node.origin().url("/stored/abort"));
        node.get(node.origin().url("/no-store/abort")); // the origin connections and scratch pipes exist now
        await().untilAsserted(() -> assertEquals(0, storeCounter("pipe_copied_transfers")));
        // The in-process origin closes its side of the spliced (never reused) connection when it
        // notices: count once the count holds still.
        java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(-1);
        await().pollInterval(Duration.ofMillis(300)).until(() -> last.getAndSet(openDescriptors()) == last.get());
        long before = last.get();

        for (String path : new String[] {"/no-store/abort", "/stored/abort", "/no-store/abort", "/stored/abort"}) {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(node.http(), 5000);
            request(socket, node.origin().url(path));
            InputStream in = socket.getInputStream();
            assertTrue(in.readNBytes(10_000).length == 10_000, "the body had begun");
            socket.setSoLinger(true, 0);
            socket.close(); // reset, most of the body unsent
        }

        await().untilAsserted(() -> assertEquals(before, openDescriptors(),
                "every socket, origin connection and pipe of the aborted responses is closed or back in its pool"));
        assertArrayEquals(body, node.get(node.origin().url("/stored/abort")).body(), "the store still serves it");
    }

    @Test
    void anOriginCutShortMidSpliceClosesTheClient() throws Exception {
        node.origin().on("/no-store/cut", exchange -> {
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 4L * MIB);
            OutputStream out = exchange.getResponseBody();
            out.write(random(MIB));
            out.flush();
            throw new IOException("the origin gives up mid-body"); // the JDK server closes the connection
        });
        try (HttpConnection connection = node.connect()) {
            connection.write("GET " + node.origin().url("/no-store/cut") + " HTTP/1.1\nHost: 127.0.0.1\n\n");
            HttpConnection.Response response = connection.read(false);
            assertEquals(String.valueOf(4 * MIB), response.header("Content-Length"));
            assertTrue(response.body().length < 4 * MIB, "the client sees the connection end short of the length");
            assertTrue(connection.closedByServer());
        }
    }

    @Test
    void concurrentHitsWhileTheEntryIsPurgedAreNeverCorrupt() throws Exception {
        byte[] body = random(4 * MIB + 1);
        node.origin().on("/stored/purged", ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        node.get(node.origin().url("/stored/purged"));
        AtomicBoolean purging = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            Future<Integer> purger = pool.submit(() -> {
                int purges = 0;
                while (purging.get() && purges < 200) {
                    node.send("PURGE " + node.origin().url("/stored/purged") + " HTTP/1.1\nHost: 127.0.0.1\n\n");
                    purges++;
                }
                return purges;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        HttpConnection.Response response = node.get(node.origin().url("/stored/purged"));
                        assertEquals(200, response.status());
                        assertArrayEquals(body, response.body());
                    }
                    return 15;
                }));
            }
            for (Future<Integer> reader : readers) {
                assertEquals(15, reader.get());
            }
            purging.set(false);
            assertTrue(purger.get() > 0);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(node.origin().count("/stored/purged") > 1, "purged between hits");

        node.get(node.origin().url("/stored/purged")); // held again, if the last purge came after the last fill
        long held = storeCounter("pipe_bytes_held");
        node.send("PURGE " + node.origin().url("/stored/purged") + " HTTP/1.1\nHost: 127.0.0.1\n\n");
        await().untilAsserted(() -> assertEquals(held - body.length, storeCounter("pipe_bytes_held"),
                "its pipes closed once the index and every transfer let go"));
    }

    @Test
    void withoutEpollEveryBodyIsKeptInDirectMemory() throws Exception {
        byte[] body = random(300_000);
        node.origin().on("/stored/nio", ScriptedOrigin.bytes(body, "Cache-Control", "max-age=3600"));
        try (TestNode nio = TestNode.start(node.directory(), "http.native-transport = false\n")) {
            nio.get(node.origin().url("/stored/nio"));
            assertArrayEquals(body, nio.get(node.origin().url("/stored/nio")).body());
            String counters = nio.send("GET /squid-internal-mgr/counters HTTP/1.1\nHost: 127.0.0.1\n\n").text();
            // Direct bodies: this one, and those the node's warm-up placed.
            assertTrue(!counters.contains("sibyl.store.direct_bodies = 0\n"), counters);
            assertTrue(counters.contains("sibyl.store.pipe_bodies = 0\n"), counters);
            assertTrue(!counters.contains("pipe_refused"), "no pipe store at all:\n" + counters);
        }
    }

    private static void request(Socket socket, String url) throws IOException {
        socket.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Reads a Content-Length response off a raw socket in small reads, as a slow client would. */
    private static byte[] readBody(InputStream in, int readSize) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in the head");
            }
            head.append((char) c);
        }
        int length = -1;
        for (String line : head.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        byte[] body = new byte[length];
        int at = 0;
        while (at < length) {
            int n = in.read(body, at, Math.min(readSize, length - at));
            if (n < 0) {
                throw new IOException("closed after " + at + " of " + length);
            }
            at += n;
        }
        return body;
    }

    private static long counter(String name) throws IOException {
        String page = node.send("GET /squid-internal-mgr/counters HTTP/1.1\nHost: 127.0.0.1\n\n").text();
        for (String line : page.split("\n")) {
            if (line.startsWith(name + " = ")) {
                return Long.parseLong(line.substring(name.length() + 3).strip());
            }
        }
        throw new AssertionError(name + " is not on the counters page:\n" + page);
    }

    private static long storeCounter(String name) throws IOException {
        return counter("sibyl.store." + name);
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1;
        }
    }
}
