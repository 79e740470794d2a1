package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every bound of {@code HttpLimits} held against a client that does not play fair, each refusal
 * answered with its status and written to the access log, and what the refused client held given
 * back.
 */
class ClientBoundsTest {
    private static final int PER_CLIENT = 6;
    private static final byte[] MEDIUM = new byte[64 << 10];

    static Path accessLog;

    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        origin
                .on("/small", ScriptedOrigin.body(200, "small", "Cache-Control", "max-age=600"))
                .on("/medium", ScriptedOrigin.bytes(MEDIUM, "Cache-Control", "max-age=600"))
                .on("/big", ScriptedOrigin.bytes(new byte[8 << 20], "Cache-Control", "max-age=600"))
                .on("/echo", exchange -> {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                });
        accessLog = directory.resolve("access.log");
        return """
                http.access-log = "%s"
                http.max-connections-per-client = %d
                http.max-pipelined = 4
                http.max-request-body = 64k
                http.request-bodies-in-flight = 100k
                http.header-timeout = 1s
                http.min-body-rate = 1k
                http.idle-timeout = 12s
                """.formatted(accessLog, PER_CLIENT);
    });

    @BeforeEach
    void everyConnectionOfTheLastTestIsGone() {
        await().atMost(Duration.ofSeconds(10)).until(() -> node.sibyl().httpStats().connections() == 0);
    }

    private static void awaitLogged(String... parts) {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog)
                && Files.readAllLines(accessLog).stream().anyMatch(line -> Arrays.stream(parts).allMatch(line::contains)));
    }

    @Test
    void aClientThatSendsAndNeverReadsIsNotReadAheadOfItsResponses() throws Exception {
        String url = node.origin().url("/medium");
        assertEquals(200, node.get(url).status());
        // 1 KiB requests for 64 KiB responses, 10 MiB of requests for 640 MiB of responses: more
        // than the kernel's socket buffers can hide in either direction.
        byte[] request = ("GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + "p".repeat(1000) + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        int count = 10_000;
        AtomicLong sent = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        try (Socket socket = new Socket(node.http().getAddress(), node.http().getPort())) {
            socket.setSoTimeout(10_000);
            Thread sender = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < count; i++) {
                        out.write(request);
                        sent.incrementAndGet();
                    }
                    done.set(true);
                } catch (IOException e) {
                    // the assertions below say what went wrong
                }
            }, "pipelining-client");
            sender.setDaemon(true);
            sender.start();
            long[] previous = {-1};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(700)).until(() -> {
                long now = sent.get();
                boolean stalled = now == previous[0];
                previous[0] = now;
                return stalled;
            });
            assertFalse(done.get(), "the node read all " + count + " requests without answering them");

            InputStream in = socket.getInputStream();
            for (int i = 0; i < count; i++) {
                assertEquals(MEDIUM.length, readBody(in).length, "response " + i);
            }
            assertTrue(done.get());
        }
    }

    /** Reads one Content-Length response off {@code in} and returns its body. */
    private static byte[] readBody(InputStream in) throws IOException {
        int length = -1;
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed mid-response");
            }
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            String text = line.toString().strip();
            line.setLength(0);
            if (text.isEmpty()) {
                break;
            }
            if (text.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(text.substring(15).strip());
            }
        }
        return in.readNBytes(length);
    }

    @Test
    void aBodyOverTheLimitIs413Unread() throws Exception {
        try (HttpConnection connection = node.connect()) {
            connection.write("POST " + node.origin().url("/echo?over") + " HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 100000\n\n");
            HttpConnection.Response response = connection.read(false);
            assertEquals(413, response.status());
            assertTrue(response.text().contains("http.max-request-body"), response.text());
            assertTrue(connection.closedByServer());
        }
        awaitLogged("/413 ", "POST " + node.origin().url("/echo?over"));
        assertEquals(0, node.origin().count("/echo?over"));
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitIs413() throws Exception {
        try (HttpConnection connection = node.connect()) {
            connection.write("POST " + node.origin().url("/echo") + "?chunked HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked\n\n");
            String chunk = Integer.toHexString(16 * 1024) + "\n" + "c".repeat(16 * 1024) + "\n";
            for (int i = 0; i < 5; i++) {
                connection.write(chunk);
            }
            HttpConnection.Response response = connection.read(false);
            assertEquals(413, response.status());
            assertTrue(connection.closedByServer());
        }
        awaitLogged("/413 ", "POST " + node.origin().url("/echo") + "?chunked");
        assertEquals(0, node.origin().count("/echo?chunked"));
        await().until(() -> node.sibyl().httpStats().requestBodyBytes() == 0);
    }

    @Test
    void bodiesOverTheNodesBudgetAre503UntilOneIsAnswered() throws Exception {
        String head = "POST " + node.origin().url("/echo") + " HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 60000\n\n";
        byte[] body = new byte[60_000];
        Arrays.fill(body, (byte) 'b');
        try (HttpConnection first = node.connect(); HttpConnection second = node.connect()) {
            first.write(head);
            await().until(() -> node.sibyl().httpStats().requestBodyBytes() == 60_000);
            second.write(head);
            HttpConnection.Response refused = second.read(false);
            assertEquals(503, refused.status());
            assertTrue(refused.text().contains("http.request-bodies-in-flight"), refused.text());

            first.write(new String(body, StandardCharsets.ISO_8859_1));
            HttpConnection.Response echoed = first.read(false);
            assertEquals(200, echoed.status());
            assertArrayEquals(body, echoed.body());
        }
        await().until(() -> node.sibyl().httpStats().requestBodyBytes() == 0);
        awaitLogged("/503 ", "POST " + node.origin().url("/echo"));
        try (HttpConnection again = node.connect()) {
            again.write(head + new String(body, StandardCharsets.ISO_8859_1));
            assertEquals(200, again.read(false).status());
        }
    }

    @Test
    void aHeadThatDoesNotArriveWithinTheHeaderTimeoutIs408() throws Exception {
        try (HttpConnection connection = node.connect()) {
            connection.write("GET " + node.origin().url("/small") + " HTTP/1.1\nHost: 127.0.0.1\n");
            HttpConnection.Response response = connection.read(false);
            assertEquals(408, response.status());
            assertTrue(response.text().contains("http.header-timeout"), response.text());
            assertTrue(connection.closedByServer());
        }
        awaitLogged("NONE_NONE/408 ", "NONE error:request-header-timeout");
    }

    @Test
    void aHeadTrickledByteByByteIs408AfterTheHeaderTimeout() throws Exception {
        byte[] head = ("GET " + node.origin().url("/small") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        ScheduledExecutorService slowloris = Executors.newSingleThreadScheduledExecutor();
        try (Socket socket = new Socket(node.http().getAddress(), node.http().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            AtomicInteger sent = new AtomicInteger();
            // A slowloris client's own pace: a byte every 200 ms, the whole head in ~12 s.
            slowloris.scheduleAtFixedRate(() -> {
                try {
                    if (sent.get() < head.length) {
                        out.write(head[sent.get()]);
                        out.flush();
                        sent.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the node closed it: the answer is what the test reads
                }
            }, 0, 200, TimeUnit.MILLISECONDS);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(sent.get() < head.length, "answered only once the trickle had ended: " + answer);
        } finally {
            slowloris.shutdownNow();
        }
    }

    @Test
    void aBodyUnderTheMinimumRateIs408() throws Exception {
        try (HttpConnection connection = node.connect().readTimeout(Duration.ofSeconds(30))) {
            connection.write("POST " + node.origin().url("/echo") + "?slow HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 50000\n\n"
                    + "x".repeat(100));
            HttpConnection.Response response = connection.read(false);
            assertEquals(408, response.status());
            assertTrue(response.text().contains("http.min-body-rate"), response.text());
        }
        awaitLogged("/408 ", "POST " + node.origin().url("/echo") + "?slow");
        assertEquals(0, node.origin().count("/echo?slow"));
        await().until(() -> node.sibyl().httpStats().requestBodyBytes() == 0);
    }

    @Test
    void connectionsOverThePerClientBoundAre503() throws Exception {
        List<HttpConnection> held = new ArrayList<>();
        try {
            for (int i = 0; i < PER_CLIENT; i++) {
                held.add(node.connect());
            }
            await().until(() -> node.sibyl().httpStats().connections() == PER_CLIENT);
            try (HttpConnection refused = node.connect()) {
                HttpConnection.Response response = refused.read(false);
                assertEquals(503, response.status());
                assertTrue(response.text().contains("http.max-connections-per-client"), response.text());
                assertTrue(refused.closedByServer());
            }
            awaitLogged("NONE_NONE/503 ", "NONE error:too-many-connections");
            held.remove(0).close();
            await().until(() -> node.sibyl().httpStats().connections() == PER_CLIENT - 1);
            try (HttpConnection admitted = node.connect()) {
                assertEquals(200, admitted.send("GET " + node.origin().url("/small") + " HTTP/1.1\nHost: 127.0.0.1\n\n").status());
            }
        } finally {
            for (HttpConnection connection : held) {
                connection.close();
            }
        }
    }

    @Test
    void aClientThatStopsReadingItsResponseIsClosedAfterTheIdleTimeout() throws Exception {
        String url = node.origin().url("/big");
        assertEquals(8 << 20, node.get(url).body().length);
        try (Socket socket = new Socket(node.http().getAddress(), node.http().getPort())) {
            socket.setReceiveBufferSize(4096);
            socket.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            await().atMost(Duration.ofSeconds(20)).until(() -> node.sibyl().httpStats().connections() == 0);
        }
        awaitLogged("_ABORTED/200 ", "GET " + url);
    }
}
