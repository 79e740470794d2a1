package sibyl.node.origin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sibyl.node.LiveObjects;

/** The origin client against real origins on 127.0.0.1: a JDK HTTP server, and raw sockets that misbehave. */
class OriginClientTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    EventLoopGroup group;
    OriginClient client;
    HttpServer origin;
    final Set<Integer> originClientPorts = ConcurrentHashMap.newKeySet();
    final byte[] big = random(3 << 20);

    @BeforeEach
    void start() throws IOException {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        client = client(settings(2, 100));
        origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin.createContext("/", exchange -> {
            originClientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] body = switch (exchange.getRequestURI().getPath()) {
                case "/big" -> big;
                case "/echo" -> exchange.getRequestBody().readAllBytes();
                default -> "hello".getBytes(StandardCharsets.US_ASCII);
            };
            if (exchange.getRequestURI().getPath().equals("/chunked")) {
                exchange.sendResponseHeaders(200, 0); // 0: chunked
            } else {
                exchange.sendResponseHeaders(200, exchange.getRequestMethod().equals("HEAD") ? -1 : body.length);
            }
            try (OutputStream out = exchange.getResponseBody()) {
                if (!exchange.getRequestMethod().equals("HEAD")) {
                    out.write(body);
                }
            }
        });
        origin.start();
    }

    @AfterEach
    void stop() {
        client.close();
        origin.stop(0);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aResponseStreamsToTheListenerByteExact() {
        Received received = send(originAddress(), get("/big"));

        assertNull(received.failure);
        assertEquals(200, received.head.status().code());
        assertArrayEquals(big, received.body());
    }

    @Test
    void chunkedResponsesArriveWhole() {
        Received received = send(originAddress(), get("/chunked"));

        assertNull(received.failure);
        assertEquals("hello", new String(received.body(), StandardCharsets.US_ASCII));
    }

    @Test
    void headResponsesHaveNoBody() {
        Received received = send(originAddress(), new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/x",
                Unpooled.EMPTY_BUFFER));

        assertNull(received.failure);
        assertEquals(0, received.body().length);
    }

    @Test
    void requestBodiesAreSent() {
        FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo",
                Unpooled.wrappedBuffer("form=data".getBytes(StandardCharsets.US_ASCII)));
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 9);

        assertEquals("form=data", new String(send(originAddress(), post).body(), StandardCharsets.US_ASCII));
    }

    @Test
    void keepAliveConnectionsAreReused() {
        for (int i = 0; i < 5; i++) {
            assertNull(send(originAddress(), get("/n" + i)).failure);
        }

        assertEquals(1, originClientPorts.size(), "one connection for five sequential requests: " + originClientPorts);
    }

    @Test
    void aRefusedConnectionIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        Received received = send(new InetSocketAddress("127.0.0.1", closedPort), get("/"));

        assertEquals(OriginFailure.UNREACHABLE, received.failure);
        assertEquals(502, received.failure.status());
    }

    @Test
    void anOriginThatNeverAnswersTimesOut() throws Exception {
        try (RawOrigin silent = new RawOrigin(RawOrigin::readRequest)) {
            Received received = send(silent.address(), get("/"));

            assertEquals(OriginFailure.TIMEOUT, received.failure);
            assertEquals(504, received.failure.status());
        }
    }

    @Test
    void aBodyCutShortIsReportedAfterTheHead() throws Exception {
        try (RawOrigin cutting = new RawOrigin(socket -> {
            RawOrigin.readRequest(socket);
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b".getBytes(StandardCharsets.US_ASCII));
            socket.close();
        })) {
            Received received = send(cutting.address(), get("/"));

            assertEquals(200, received.head.status().code());
            assertEquals(OriginFailure.CUT_SHORT, received.failure);
        }
    }

    @Test
    void somethingThatIsNotHttpIsABadResponse() throws Exception {
        try (RawOrigin garbage = new RawOrigin(socket -> {
            RawOrigin.readRequest(socket);
            socket.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.close();
        })) {
            Received received = send(garbage.address(), get("/"));

            assertNull(received.head);
            assertEquals(OriginFailure.BAD_RESPONSE, received.failure);
        }
    }

    @Test
    void whenEveryConnectionStaysBusyTheWaitRunsOut() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        try (RawOrigin slow = new RawOrigin(socket -> {
            RawOrigin.readRequest(socket);
            try {
                hold.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            // Two connections per origin: two requests hold them, the third waits 300 ms in vain.
            Received first = new Received();
            Received second = new Received();
            client.send(slow.address(), get("/1"), first);
            client.send(slow.address(), get("/2"), second);
            Received third = send(slow.address(), get("/3"));

            assertEquals(OriginFailure.BUSY, third.failure);
            assertEquals(503, third.failure.status());
            hold.countDown();
        }
    }

    @Test
    void aPausedExchangeWaitsForItsClientNotTheOriginAndResumes() throws Exception {
        Received received = new Received();
        OriginExchange exchange = client.send(originAddress(), get("/big"), received);
        exchange.pause();

        // Longer than the 500 ms read timeout: a paused exchange does not time out.
        CompletableFuture<Void> later = new CompletableFuture<>();
        group.next().schedule(() -> later.complete(null), 800, TimeUnit.MILLISECONDS);
        later.get(5, TimeUnit.SECONDS);
        assertNull(received.failure);
        assertTrue(received.body().length < big.length, "nothing, or little, was read while paused");

        exchange.resume();

        await().atMost(WAIT).until(received.done::isDone);
        assertNull(received.failure);
        assertArrayEquals(big, received.body());
    }

    @Test
    void anAbortedExchangeHearsNothingMoreAndItsConnectionIsNotReused() throws Exception {
        Received aborted = new Received();
        OriginExchange exchange = client.send(originAddress(), get("/big"), aborted);
        exchange.pause();
        await().atMost(WAIT).until(() -> !originClientPorts.isEmpty());

        exchange.abort();
        Received next = send(originAddress(), get("/after"));

        assertNull(next.failure);
        assertEquals("hello", new String(next.body(), StandardCharsets.US_ASCII));
        assertEquals(2, originClientPorts.size(), "the next request came on a new connection");
        assertTrue(!aborted.done.isDone(), "the aborted listener heard no end and no failure");
    }

    @Test
    void poolsOfOriginsNoLongerAskedAreRemovedAndNothingHoldsThem() throws Exception {
        // A long acquire timeout: nothing may wait for it to let a pool or connection go.
        OriginClient patient = client(new OriginClient.Settings(Duration.ofSeconds(2), Duration.ofMillis(500), 2,
                Duration.ofMinutes(5), 100, Duration.ofMillis(200)));
        try (ManyOrigins many = new ManyOrigins(40)) {
            for (InetSocketAddress address : many.addresses()) {
                Received received = send(patient, address, get("/many"));
                assertNull(received.failure);
                assertEquals("ok", new String(received.body(), StandardCharsets.US_ASCII));
            }

            // Their idle connections close after the read timeout, then the empty pools go.
            await().atMost(WAIT).until(() -> patient.pools() == 0);
            assertEquals(0, patient.stats().pools());
            assertTrue(patient.stats().poolsEvicted() >= 40, patient.stats().counters().toString());
            // Before, each new connection left an acquire timeout scheduled, holding its pool.
            await().atMost(WAIT).until(() -> LiveObjects.count("sibyl.node.origin.OriginPool") == 0);
        } finally {
            patient.close();
        }
    }


    @Test
    void atMostMaxPoolsAreHeldTheLeastRecentlyUsedIdleOneMakesRoom() throws Exception {
        OriginClient bounded = client(settings(2, 3));
        try (ManyOrigins many = new ManyOrigins(10)) {
            for (InetSocketAddress address : many.addresses()) {
                assertNull(send(bounded, address, get("/bounded")).failure);
                assertTrue(bounded.pools() <= 3, bounded.pools() + " pools");
            }
            assertTrue(bounded.stats().poolsEvicted() >= 7, bounded.stats().counters().toString());
        } finally {
            bounded.close();
        }
    }

    @Test
    void whenEveryPoolIsInUseANewOriginIsBusyNotFailed() throws Exception {
        OriginClient bounded = client(settings(2, 2));
        CountDownLatch hold = new CountDownLatch(1);
        RawOrigin.Script holding = socket -> {
            RawOrigin.readRequest(socket);
            try {
                hold.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (RawOrigin first = new RawOrigin(holding); RawOrigin second = new RawOrigin(holding);
                ManyOrigins third = new ManyOrigins(1)) {
            // Sent in order on the client's loop: the first two pools lend a connection each.
            bounded.send(first.address(), get("/1"), new Received());
            bounded.send(second.address(), get("/2"), new Received());
            Received refused = send(bounded, third.addresses().get(0), get("/3"));

            assertEquals(OriginFailure.BUSY, refused.failure);
            assertEquals(503, refused.failure.status());
            hold.countDown();
        } finally {
            bounded.close();
        }
    }

    /** An origin that answers the first request on each connection, then closes it when the next one comes. */
    private static RawOrigin closingKeptAliveConnections() throws IOException {
        return new RawOrigin(socket -> {
            if (RawOrigin.readRequest(socket)) {
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
            if (RawOrigin.readRequest(socket)) {
                socket.close(); // as its keep-alive timeout might, just as a request comes: no Connection: close said
            }
        });
    }

    @Test
    void aGetOnAKeptAliveConnectionTheOriginClosedIsSentOnceMoreOnAFreshOne() throws Exception {
        try (RawOrigin closing = closingKeptAliveConnections()) {
            assertNull(send(closing.address(), get("/first")).failure);

            Received second = send(closing.address(), get("/second"));

            assertNull(second.failure, "retried, not failed");
            assertEquals("hello", new String(second.body(), StandardCharsets.US_ASCII));
            assertEquals(1, client.stats().retries());
            assertEquals(2, closing.connections());
        }
    }

    @Test
    void aPostOnADeadConnectionIsNotRetried() throws Exception {
        try (RawOrigin closing = closingKeptAliveConnections()) {
            assertNull(send(closing.address(), get("/first")).failure);
            FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/form",
                    Unpooled.wrappedBuffer("a=b".getBytes(StandardCharsets.US_ASCII)));
            post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);

            Received received = send(closing.address(), post);

            assertEquals(OriginFailure.BAD_RESPONSE, received.failure, "the origin may have acted on it");
            assertEquals(0, client.stats().retries());
            assertEquals(1, closing.connections());
        }
    }

    @Test
    void aNewConnectionClosedBeforeAnAnswerIsNotRetried() throws Exception {
        try (RawOrigin closing = new RawOrigin(socket -> {
            RawOrigin.readRequest(socket);
            socket.close();
        })) {
            Received received = send(closing.address(), get("/once"));

            assertEquals(OriginFailure.BAD_RESPONSE, received.failure);
            assertEquals(502, received.failure.status());
            assertEquals(0, client.stats().retries());
            assertEquals(1, closing.connections());
            assertEquals(1, client.stats().failures(OriginFailure.BAD_RESPONSE));
        }
    }

    /** Answers each request on a connection with "hello" followed by {@code after}. */
    private static RawOrigin answeringWith(String after) throws IOException {
        return new RawOrigin(socket -> {
            while (RawOrigin.readRequest(socket)) {
                socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + after)
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
        });
    }

    @Test
    void bytesPastAResponsesEndCloseItsConnectionAndTheResponseStands() throws Exception {
        try (RawOrigin longer = answeringWith("and more than it said")) {
            Received first = send(longer.address(), get("/1"));
            Received second = send(longer.address(), get("/2"));

            assertEquals("hello", new String(first.body(), StandardCharsets.US_ASCII));
            assertEquals("hello", new String(second.body(), StandardCharsets.US_ASCII), "not the first one's excess");
            assertEquals(2, longer.connections(), "the first connection was not reused");
            assertTrue(client.stats().counters().get("failures.unsolicited_data") >= 1);
        }
    }

    @Test
    void aStrayLineEndAfterABodyIsForgiven() throws Exception {
        try (RawOrigin crlf = answeringWith("\r\n")) {
            for (int i = 0; i < 3; i++) {
                assertEquals("hello", new String(send(crlf.address(), get("/" + i)).body(), StandardCharsets.US_ASCII));
            }
            assertEquals(1, crlf.connections());
            assertEquals(0, client.stats().counters().get("failures.unsolicited_data"));
        }
    }

    /** Short timeouts: the tests wait for them to pass (by Awaitility), never for a fixed time. */
    private static OriginClient.Settings settings(int maxConnections, int maxPools) {
        return new OriginClient.Settings(Duration.ofSeconds(2), Duration.ofMillis(500), maxConnections,
                Duration.ofMillis(300), maxPools, Duration.ofMillis(200));
    }

    private OriginClient client(OriginClient.Settings settings) {
        return new OriginClient(group, NioSocketChannel.class, settings);
    }

    private Received send(InetSocketAddress address, FullHttpRequest request) {
        return send(client, address, request);
    }

    private static Received send(OriginClient client, InetSocketAddress address, FullHttpRequest request) {
        Received received = new Received();
        client.send(address, request, received);
        await().atMost(WAIT).until(received.done::isDone);
        return received;
    }

    private InetSocketAddress originAddress() {
        return new InetSocketAddress("127.0.0.1", origin.getAddress().getPort());
    }

    private static FullHttpRequest get(String path) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, "origin.test");
        return request;
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** What a listener heard. */
    static class Received implements OriginListener {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        volatile HttpResponse head;
        volatile OriginFailure failure;

        @Override
        public void onHead(HttpResponse head) {
            this.head = head;
        }

        @Override
        public void onContent(HttpContent content, boolean last) {
            try {
                synchronized (body) {
                    body.write(ByteBufUtil.getBytes(content.content()));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                content.release();
            }
            if (last) {
                done.complete(null);
            }
        }

        @Override
        public void onFailure(OriginFailure failure, Throwable cause) {
            this.failure = failure;
            done.complete(null);
        }

        byte[] body() {
            synchronized (body) {
                return body.toByteArray();
            }
        }
    }
}
