package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import sibyl.node.LiveObjects;
import sibyl.node.cache.CacheKey;
import sibyl.node.origin.ManyOrigins;
import sibyl.node.origin.OriginStats;
import sibyl.node.origin.RawOrigin;

/**
 * Origins that misbehave, through a node on real sockets: for each fault, what the client saw,
 * that nothing wrong was stored, how the access log and counters name it, and that descriptors,
 * pipes, direct memory, live exchanges and origin pools come back to where they were.
 */
class OriginFaultsTest {
    private static final int KIB = 1024;
    private static final Duration WAIT = Duration.ofSeconds(15);
    /**
     * Netty's adaptive allocator keeps chunks it grew for reuse: a case may leave up to 640 KiB
     * more of them once (not again in the next case); with the unpooled allocator every case
     * comes back to the byte. An unreleased buffer of any size the leak detector names.
     */
    private static final long ALLOCATOR_SLACK = 1024 * KIB;

    @TempDir
    static Path directory;
    static Path accessLog;
    static TestNode node;

    /** What Netty's leak detector reports: a buffer collected unreleased. */
    static final ListAppender<ILoggingEvent> leaks = new ListAppender<>();
    static ResourceLeakDetector.Level leakLevel;

    @BeforeAll
    static void start() throws Exception {
        // Every buffer tracked: one an origin fault leaves unreleased is reported once collected.
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        leaks.start();
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(leaks);
        accessLog = directory.resolve("access.log");
        node = TestNode.start(directory, """
                http.access-log = "%s"
                # Under a second, so that the 1-byte-a-second origin times out; no shorter: the machine
                # may be loaded, and the other origins must not.
                origin.read-timeout = 900ms
                origin.connect-timeout = 1s
                origin.pool-idle-timeout = 100ms
                """.formatted(accessLog));
        // Each event loop makes its DNS resolver (a datagram socket) on its first origin request:
        // made now, before any baseline. Connections go to the loops in turn.
        // And the allocator has grown its chunks to what large bodies ask for, stored and spliced.
        byte[] big = random(KIB * KIB);
        try (RawOrigin warm = new RawOrigin(socket -> {
            while (RawOrigin.readRequest(socket)) {
                write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: " + big.length + "\r\n\r\n");
                socket.getOutputStream().write(big);
            }
        }); RawOrigin unstored = new RawOrigin(socket -> {
            while (RawOrigin.readRequest(socket)) {
                write(socket, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: " + big.length + "\r\n\r\n");
                socket.getOutputStream().write(big);
            }
        })) {
            for (int i = 0; i < 4; i++) { // in a row: other requests in between could take every other loop
                assertArrayEquals(big, get("http://127.0.0.1:" + warm.port() + "/warm/" + i).body());
            }
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(big, get("http://127.0.0.1:" + unstored.port() + "/warm").body());
            }
            for (int i = 0; i < 4; i++) {
                node.send("PURGE http://127.0.0.1:" + warm.port() + "/warm/" + i + " HTTP/1.1\nHost: 127.0.0.1\n\n");
            }
        }
    }

    @AfterAll
    static void stop() {
        node.close();
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(leaks);
        ResourceLeakDetector.setLevel(leakLevel);
    }

    /** What the client saw: the status line's code, the declared length, the body, and whether it ended whole. */
    record Seen(int status, long declaredLength, boolean chunked, byte[] body, boolean whole, boolean closed) {}

    /** One way an origin misbehaves, and what the client must see. */
    enum Fault {
        /** Nothing listens: 502 before any response. */
        REFUSED(502, null),
        /** Resets the connection in the middle of its header section: 502. */
        RESET_MID_HEADERS(502, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Le");
            reset(socket);
        }),
        /** The case: a 1 MiB body (direct store) reset at 500 KiB; the head was passed on. */
        RESET_MID_BODY(200, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: " + KIB * KIB + "\r\n\r\n");
            socket.getOutputStream().write(random(500 * KIB));
            reset(socket);
        }),
        /** A 300 KiB body (pipe store) reset at 150 KiB. */
        RESET_MID_PIPED_BODY(200, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: " + 300 * KIB + "\r\n\r\n");
            socket.getOutputStream().write(random(150 * KIB));
            reset(socket);
        }),
        /** An unstored 1 MiB body, spliced origin to client where epoll runs, reset at 500 KiB. */
        RESET_MID_UNSTORED_BODY(200, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: " + KIB * KIB + "\r\n\r\n");
            socket.getOutputStream().write(random(500 * KIB));
            reset(socket);
        }),
        /**
         * One byte a second: its second byte would come after origin.read-timeout (900 ms here),
         * so the origin sends the first and waits for the node to give up on it: 504.
         */
        SLOW(504, socket -> {
            RawOrigin.readRequest(socket);
            socket.getOutputStream().write('H');
            socket.getOutputStream().flush();
            socket.getInputStream().read(); // returns when the node closes the connection it timed out
        }),
        /** Not HTTP: 502. */
        GARBAGE_STATUS_LINE(502, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 2x0 Fine\r\nContent-Length: 2\r\n\r\nok");
            socket.close();
        }),
        /** Says 1000 bytes, sends 100 and closes. */
        CONTENT_LENGTH_SHORT(200, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100));
            socket.close();
        }),
        /** Says 10 bytes, sends 30: the first 10 are the response (stored), the rest is the origin's fault. */
        CONTENT_LENGTH_LONG(200, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nContent-Length: 10\r\n\r\n"
                    + "0123456789" + "and then some more");
            RawOrigin.readRequest(socket); // holds the connection until the node closes it
        }),
        /** Interim responses without end (each would keep the exchange alive): 502 after 16 passed on. */
        ENDLESS_INTERIM(502, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n".repeat(100));
            socket.getInputStream().read(); // returns when the node gives up on it
        }),
        /** A chunk size that is not hex, after a good chunk. */
        BAD_CHUNKING(200, socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\nzz\r\nnot a chunk\r\n");
            RawOrigin.readRequest(socket);
        });

        final int status;
        final RawOrigin.Script script;

        Fault(int status, RawOrigin.Script script) {
            this.status = status;
            this.script = script;
        }

        /** The origin answered a head the node passed on, then failed: the client's response is cut. */
        boolean cutAfterHead() {
            return status == 200 && this != CONTENT_LENGTH_LONG;
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void eachOriginFaultIsAnsweredLoggedAndLeavesNothingBehind(Fault fault) throws Exception {
        Resources before = settle(Resources.now(), "before");
        long faults = stats().faults();
        try (RawOrigin origin = fault.script == null ? null : new RawOrigin(fault.script)) {
            int port = origin != null ? origin.port() : closedPort();
            String url = "http://127.0.0.1:" + port + "/" + fault.name().toLowerCase(Locale.ROOT);

            Seen seen = get(url);

            assertEquals(fault.status, seen.status(), fault + ": status");
            if (fault.cutAfterHead()) {
                assertFalse(seen.whole(), fault + ": the client must not take a cut body for a whole one");
                assertTrue(seen.closed(), fault + ": the connection is closed, the only honest end");
            } else {
                assertTrue(seen.whole(), fault + ": a whole response");
            }
            if (fault == Fault.CONTENT_LENGTH_LONG) {
                assertEquals("0123456789", new String(seen.body(), StandardCharsets.US_ASCII));
                Seen hit = get(url);
                assertEquals("0123456789", new String(hit.body(), StandardCharsets.US_ASCII), "the declared body, stored");
                assertEquals(1, origin.connections(), "a hit");
                node.send("PURGE " + url + " HTTP/1.1\nHost: 127.0.0.1\n\n");
            } else {
                assertTrue(node.node.index().peek(CacheKey.of(url)).isEmpty(), fault + ": nothing stored");
                Seen again = get(url);
                assertEquals(fault.status, again.status(), fault + ": the same answer again");
                if (origin != null) {
                    assertEquals(2, origin.connections(), fault + ": a miss, asked of the origin again");
                }
            }

            // Access log: the status as sent, and never _ABORTED: the client did not leave.
            String expected = " TCP_MISS/" + fault.status + " ";
            await().atMost(WAIT).untilAsserted(() -> {
                List<String> lines = accessLines(url);
                assertTrue(lines.size() >= 2, "logged");
                for (String line : lines) {
                    assertFalse(line.contains("_ABORTED"), fault + ": " + line);
                    // The long one's hit and purge aside (either may be logged before its miss).
                    assertTrue(line.contains(expected) || fault == Fault.CONTENT_LENGTH_LONG, fault + ": " + line);
                }
                assertTrue(lines.stream().anyMatch(line -> line.contains(expected)), fault + ": " + lines);
            });
            assertTrue(stats().faults() > faults, fault + ": counted " + stats().counters());
        }
        settle(before, "after " + fault);
        assertEquals(List.of(), leaks.list.stream().map(ILoggingEvent::getFormattedMessage).toList(), fault + ": leaks");
    }

    @Test
    void aClientLeavingMidMissIsStillLoggedAborted() throws Exception {
        byte[] body = random(4 * KIB * KIB);
        try (RawOrigin origin = new RawOrigin(socket -> {
            RawOrigin.readRequest(socket);
            write(socket, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: " + body.length + "\r\n\r\n");
            socket.getOutputStream().write(body);
        })) {
            String url = "http://127.0.0.1:" + origin.port() + "/leaves";
            long faults = stats().faults();
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(4096);
                client.connect(node.http(), 5000);
                client.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                assertEquals(10_000, client.getInputStream().readNBytes(10_000).length, "the body had begun");
                client.setSoLinger(true, 0);
            }

            await().atMost(WAIT).untilAsserted(() -> {
                List<String> lines = accessLines(url);
                assertEquals(1, lines.size());
                assertTrue(lines.get(0).contains(" TCP_MISS_ABORTED/200 "), lines.get(0));
            });
            assertEquals(faults, stats().faults(), "the client left: not an origin fault");
        }
    }

    @Test
    void aKeptAliveConnectionTheOriginClosedIsRetriedNotAnswered502() throws Exception {
        // The origin answers one request per connection, without Connection: close, and closes
        // it when the next one comes: as its keep-alive timeout would, just then.
        try (RawOrigin origin = new RawOrigin(socket -> {
            if (RawOrigin.readRequest(socket)) {
                write(socket, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 5\r\n\r\nhello");
            }
            if (RawOrigin.readRequest(socket)) {
                socket.close();
            }
        })) {
            long retries = stats().retries();
            try (HttpConnection connection = node.connect()) {
                for (int i = 0; i < 5; i++) {
                    HttpConnection.Response response = connection.send("GET http://127.0.0.1:" + origin.port()
                            + "/kept HTTP/1.1\nHost: 127.0.0.1\n\n");
                    assertEquals(200, response.status(), "request " + i);
                    assertEquals("hello", response.text());
                }
            }
            assertEquals(retries + 4, stats().retries(), "every request after the first found its connection dead");
            assertEquals(5, origin.connections());
        }
    }

    @Test
    void anOriginClosingAfterEachResponseWithoutSayingSoIsServedEveryTime() throws Exception {
        try (RawOrigin origin = new RawOrigin(socket -> {
            if (RawOrigin.readRequest(socket)) {
                write(socket, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 5\r\n\r\nhello");
                socket.close();
            }
        })) {
            try (HttpConnection connection = node.connect()) {
                for (int i = 0; i < 20; i++) {
                    HttpConnection.Response response = connection.send("GET http://127.0.0.1:" + origin.port()
                            + "/closing HTTP/1.1\nHost: 127.0.0.1\n\n");
                    assertEquals(200, response.status(), "request " + i);
                    assertEquals("hello", response.text());
                }
            }
        }
    }

    @Test
    void thePoolsOfManyOriginsGoOnceTheyAreNoLongerAsked() throws Exception {
        try (ManyOrigins many = new ManyOrigins(200); HttpConnection connection = node.connect()) {
            for (InetSocketAddress origin : many.addresses()) {
                HttpConnection.Response response = connection.send("GET http://127.0.0.1:" + origin.getPort()
                        + "/many HTTP/1.1\nHost: 127.0.0.1\n\n");
                assertEquals("ok", response.text());
            }
            assertTrue(counter("sibyl.origin.pools_evicted") + counter("sibyl.origin.pools") >= 200);

            await().atMost(WAIT).until(() -> counter("sibyl.origin.pools") == 0);
        }
    }

    // --- the client's side ---

    /** A GET on its own connection, read as far as the node sends it. */
    private static Seen get(String url) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(node.http(), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return read(socket.getInputStream());
        }
    }

    private static Seen read(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        for (int interims = 0; status / 100 == 1; interims++) { // interim responses come before the one that counts
            assertTrue(interims < 16, "no more than 16 interim responses passed on");
            while (!line(in).isEmpty()) {
                // its fields
            }
            status = Integer.parseInt(line(in).split(" ")[1]);
        }
        long length = -1;
        boolean chunked = false;
        String header;
        while (!(header = line(in)).isEmpty()) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(header.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (!chunked) {
            byte[] body = in.readNBytes((int) Math.max(length, 0));
            boolean whole = body.length == length;
            return new Seen(status, length, false, body, whole, !whole);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
                if (size == 0) {
                    line(in);
                    return new Seen(status, -1, true, body.toByteArray(), true, false);
                }
                byte[] chunk = in.readNBytes(size);
                body.write(chunk);
                if (chunk.length < size) {
                    break;
                }
                line(in);
            }
        } catch (IOException | NumberFormatException e) {
            // the connection ended mid-chunk
        }
        return new Seen(status, -1, true, body.toByteArray(), false, true);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("closed mid-line");
            }
            bytes.write(c);
        }
        String text = bytes.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    // --- the origin's side ---

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Closes with RST rather than FIN. */
    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    // --- what the node holds ---

    private static OriginStats stats() {
        return node.node.httpStats().origin();
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

    private static List<String> accessLines(String url) throws IOException {
        if (!Files.exists(accessLog)) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(accessLog)) {
            if (line.contains(" " + url + " ")) {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * Descriptors (jar files aside: the JVM opens those as classes load), pipes, direct memory
     * (Netty's count where it keeps one, else the JDK's), exchanges alive after a full GC, and
     * the node's origin pools.
     */
    record Resources(long descriptors, long pipes, long directMemory, long exchanges, long pools, List<String> open) {
        static Resources now() throws Exception {
            long descriptors = 0;
            long pipes = 0;
            List<String> open = new ArrayList<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile (the listing's own descriptor, for one)
                    }
                    if (!target.endsWith(".jar")) {
                        descriptors++;
                        open.add(target);
                    }
                    if (target.startsWith("pipe:")) {
                        pipes++;
                    }
                }
            }
            return new Resources(descriptors, pipes, OriginFaultsTest.directMemory(), LiveObjects.count("sibyl.node.origin.Exchange"),
                    node.node.httpStats().origin().pools(), open);
        }

        /**
         * Direct memory within {@link #ALLOCATOR_SLACK} of it: Netty's allocator keeps some of
         * what it once allocated for reuse; a leaked 1 MiB body would show, and the leak detector
         * names any buffer left unreleased, however small.
         */
        boolean within(Resources baseline) {
            return descriptors <= baseline.descriptors && pipes <= baseline.pipes
                    && directMemory <= baseline.directMemory + ALLOCATOR_SLACK && exchanges <= baseline.exchanges
                    && pools == 0;
        }
    }

    /** Waits until nothing is held beyond {@code baseline}: connections closed or evicted, pools gone. */
    private static Resources settle(Resources baseline, String when) {
        Resources[] last = new Resources[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            last[0] = Resources.now();
            assertTrue(last[0].within(baseline) || when.equals("before") && last[0].pools() == 0,
                    when + ": " + baseline + " -> " + last[0]);
        });
        return last[0];
    }

    private static long directMemory() {
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            return netty;
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }
}
