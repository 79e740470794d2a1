package sibyl.icp.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static sibyl.icp.wire.RawDatagram.ascii;
import static sibyl.icp.wire.RawDatagram.concat;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import sibyl.icp.client.IcpClient;
import sibyl.icp.client.IcpReply;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.builtin.AclPolicy;
import sibyl.icp.policy.builtin.Cidr;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpMessage;
import sibyl.icp.wire.IcpOpcode;
import sibyl.icp.wire.RawDatagram;

/**
 * The server over real UDP sockets on loopback, with the epoll and the NIO transports, on IPv4
 * and, where the machine has it, IPv6.
 */
class IcpServerTest {
    /** How long a reply may take before the test fails: generous, never asserted as a timing. */
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
    /** For datagrams that must get no reply: longer than the test ever waits. */
    static final Duration NEVER = Duration.ofMinutes(5);
    static final String URL = "http://example.com/";

    static boolean ipv6LoopbackAvailable() {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    /** The behaviour every transport and address family must show. */
    abstract class ServerCases {
        PolicyChain chain;
        IcpServer server;
        InetSocketAddress address;
        IcpClient client;

        abstract String host();

        abstract boolean nativeTransport();

        void assumeSupported() {}

        @BeforeEach
        void start() throws Exception {
            assumeSupported();
            chain = new PolicyChain();
            server = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress(host(), 0)), 2, 0, nativeTransport()), chain);
            address = server.addresses().get(0);
            client = IcpClient.openFor(address);
        }

        @AfterEach
        void stop() {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
            if (chain != null) {
                chain.close();
            }
        }

        IcpReply send(IcpMessage message) throws Exception {
            return client.send(address, message, REPLY_TIMEOUT).get(REPLY_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        }

        IcpReply query(String url) throws Exception {
            return client.query(address, url, REPLY_TIMEOUT).get(REPLY_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        }

        IcpReply sendRaw(byte[] datagram, int requestNumber) throws Exception {
            return client.sendRaw(address, datagram, requestNumber, REPLY_TIMEOUT)
                    .get(REPLY_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        }

        void awaitCounter(ToLongFunction<IcpServerStats> counter, long expected) {
            await().atMost(REPLY_TIMEOUT).until(() -> counter.applyAsLong(server.stats()) == expected);
        }

        @Test
        void listensOnTheTransportAskedFor() throws Exception {
            assertEquals(nativeTransport() && Epoll.isAvailable(), server.nativeTransport());
            assertEquals(InetAddress.getByName(host()), address.getAddress());
            assertTrue(address.getPort() > 0, "port 0 was replaced by the port picked");
        }

        @ParameterizedTest(name = "version {0}")
        @ValueSource(ints = {IcpCodec.VERSION_2, IcpCodec.VERSION_3})
        void queryIsAnsweredMissWithItsRequestNumberVersionAndUrl(int version) throws Exception {
            IcpReply reply = send(IcpMessage.query(version, 0xDEADBEEF, URL));

            assertEquals(new IcpMessage(IcpOpcode.MISS, version, 0xDEADBEEF, 0, 0, 0, 0, URL), reply.message());
            assertEquals(address, reply.from());
            awaitCounter(stats -> stats.answered().get(IcpVerdict.MISS), 1);
        }

        @Test
        void hitFromThePolicyChain() throws Exception {
            chain.register("foo", query -> query.url().contains("foo") ? IcpVerdict.HIT : null);

            assertEquals(IcpOpcode.HIT, query("http://example.com/foo").message().opcode());
            assertEquals(IcpOpcode.MISS, query("http://example.com/bar").message().opcode());
        }

        @Test
        void missNofetchFromThePolicyChain() throws Exception {
            chain.register("warmup", query -> IcpVerdict.MISS_NOFETCH);

            IcpReply reply = query(URL);

            assertEquals(IcpOpcode.MISS_NOFETCH, reply.message().opcode());
            assertEquals(URL, reply.message().url());
        }

        @Test
        void deniedBySenderAddress() throws Exception {
            chain.register("10-acl", new AclPolicy(List.of(Cidr.parse("10.0.0.0/8"))));

            assertEquals(IcpOpcode.DENIED, query(URL).message().opcode());
            awaitCounter(stats -> stats.answered().get(IcpVerdict.DENIED), 1);
        }

        @Test
        void allowedSenderIsAnsweredByTheNextPolicy() throws Exception {
            chain.register("10-acl", new AclPolicy(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1"))));
            chain.register("20-hit", query -> IcpVerdict.HIT);

            assertEquals(IcpOpcode.HIT, query(URL).message().opcode());
        }

        @Test
        void policySeesTheQueryAsSent() throws Exception {
            var seen = new CompletableFuture<String>();
            var sender = new CompletableFuture<InetSocketAddress>();
            chain.register("spy", query -> {
                seen.complete(query.url() + " #" + query.requestNumber() + " v" + query.version() + " options "
                        + query.options() + " data " + query.optionData() + " requester " + query.requesterHostAddress());
                sender.complete(query.sender());
                return null;
            });

            send(new IcpMessage(IcpOpcode.QUERY, 3, 42, IcpCodec.FLAG_SRC_RTT, 7, 0, 0x0A000001, URL));

            assertEquals(URL + " #42 v3 options " + IcpCodec.FLAG_SRC_RTT + " data 7 requester " + 0x0A000001,
                    seen.get(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(new InetSocketAddress(address.getAddress(), client.localAddress().getPort()),
                    sender.get(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        }

        @Test
        void policyThatThrowsStillGetsTheQueryAnswered() throws Exception {
            chain.register("broken", query -> {
                throw new IllegalStateException("boom");
            });

            assertEquals(IcpOpcode.MISS, query(URL).message().opcode());
            assertEquals(1, chain.failures());
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("sibyl.icp.server.IcpServerTest#datagramsAnsweredWithErr")
        void malformedQueryIsAnsweredWithErr(RawDatagram datagram, int expectedVersion) throws Exception {
            int requestNumber = 0x5EB1_0001;
            byte[] bytes = datagram.requestNumber(requestNumber).bytes();

            IcpReply reply = sendRaw(bytes, requestNumber);

            assertEquals(IcpOpcode.ERR, reply.message().opcode());
            assertEquals(requestNumber, reply.message().requestNumber());
            assertEquals(expectedVersion, reply.message().version());
            awaitCounter(IcpServerStats::errors, 1);
        }

        @Test
        void malformedQueryFromASenderNoAclAdmitsGetsNoReply() throws Exception {
            chain.register("10-acl", new AclPolicy(List.of(Cidr.parse("10.0.0.0/8"))));
            byte[] malformed = RawDatagram.query("http://a b/").requestNumber(11).bytes();
            CompletableFuture<IcpReply> noReply = client.sendRaw(address, malformed, 11, NEVER);

            assertEquals(IcpOpcode.DENIED, query(URL).message().opcode());
            assertFalse(noReply.isDone(), () -> "answered: " + noReply.join().message());
            awaitCounter(IcpServerStats::ignored, 1);
            assertEquals(0, server.stats().errors());
        }

        @Test
        void aSenderOverItsReplyRateIsNotAnswered() throws Exception {
            server.close();
            server = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress(host(), 0)), 1, 0,
                    nativeTransport(), 20), chain);
            address = server.addresses().get(0);
            List<CompletableFuture<IcpReply>> replies = Stream.iterate(0, i -> i + 1).limit(200)
                    .map(i -> client.send(address, IcpMessage.query(2, 2000 + i, URL + i), Duration.ofSeconds(3)))
                    .toList();
            awaitCounter(IcpServerStats::received, 200);

            long answered = replies.stream().filter(reply -> {
                try {
                    reply.get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception timedOut) {
                    return false;
                }
            }).count();
            assertTrue(answered >= 20 && answered < 200, answered + " of 200 answered");
            assertEquals(200 - answered, server.stats().rateLimited());
            await().atMost(REPLY_TIMEOUT).untilAsserted(() -> assertEquals(IcpOpcode.MISS, query(URL).message().opcode()));
        }

        @Test
        void errReplyEscapesTheBadUrl() throws Exception {
            IcpReply reply = sendRaw(RawDatagram.query("http://a b/").requestNumber(9).bytes(), 9);

            assertEquals("http://a%20b/", reply.message().url());
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("sibyl.icp.server.IcpServerTest#datagramsNeverAnswered")
        void datagramThatMustNotBeAnsweredGetsNoReplyAndIsCounted(byte[] datagram, String counter) throws Exception {
            CompletableFuture<IcpReply> noReply = client.sendRaw(address, datagram, requestNumberOf(datagram), NEVER);

            // The server reads one client's datagrams in order: once the query sent after it is
            // answered, any reply to the first would have come first.
            IcpReply answer = query(URL);

            assertEquals(IcpOpcode.MISS, answer.message().opcode());
            assertFalse(noReply.isDone(), () -> "answered: " + noReply.join().message());
            Map<String, ToLongFunction<IcpServerStats>> counters = Map.of(
                    "droppedTooShort", IcpServerStats::droppedTooShort, "ignored", IcpServerStats::ignored);
            awaitCounter(counters.get(counter), 1);
            assertEquals(0, server.stats().errors());
        }

        @Test
        void emptyDatagramGetsNoReply() throws Exception {
            // Netty's transports discard a zero-byte datagram before the server's handler sees
            // it, so unlike other short datagrams it is not counted in droppedTooShort.
            CompletableFuture<IcpReply> noReply = client.sendRaw(address, new byte[0], 0, NEVER);

            assertEquals(IcpOpcode.MISS, query(URL).message().opcode());
            assertFalse(noReply.isDone());
            assertEquals(0, server.stats().errors());
        }

        @Test
        void keepsAnsweringAfterABurstOfRandomGarbage() throws Exception {
            long seed = System.nanoTime();
            Random random = new Random(seed);
            try (DatagramSocket garbage = new DatagramSocket(new InetSocketAddress(address.getAddress(), 0))) {
                for (int i = 0; i < 10_000; i++) {
                    byte[] bytes = new byte[random.nextInt(2001)];
                    random.nextBytes(bytes);
                    garbage.send(new DatagramPacket(bytes, bytes.length, address));
                }
            }

            // The burst may overflow the socket's buffer: retry until a query gets through.
            await("an answer after the garbage of seed " + seed).atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> client.query(address, URL, Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS)
                            .message().opcode() == IcpOpcode.MISS);
            assertTrue(server.stats().received() > 1, "seed " + seed);
            assertTrue(server.stats().errors() > 0, "seed " + seed);
        }

        @Test
        void keepsAnsweringVersion2AfterAVersion3Query() throws Exception {
            assertEquals(3, send(IcpMessage.query(3, 1, URL)).message().version());

            IcpReply reply = send(IcpMessage.query(2, 2, URL));

            assertEquals(2, reply.message().version());
            assertEquals(IcpOpcode.MISS, reply.message().opcode());
        }

        @Test
        void answersManyQueriesFromOneClient() throws Exception {
            List<CompletableFuture<IcpReply>> replies = Stream.iterate(0, i -> i + 1).limit(200)
                    .map(i -> client.send(address, IcpMessage.query(2, 1000 + i, URL + i), REPLY_TIMEOUT))
                    .toList();

            for (int i = 0; i < replies.size(); i++) {
                IcpReply reply = replies.get(i).get(REPLY_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
                assertEquals(URL + i, reply.message().url());
                assertEquals(1000 + i, reply.message().requestNumber());
            }
        }
    }

    /** The request number bytes 4..7 carry, if the datagram is long enough to have one. */
    static int requestNumberOf(byte[] datagram) {
        if (datagram.length < 8) {
            return 0x7E57_0000 + datagram.length;
        }
        return ((datagram[4] & 0xff) << 24) | ((datagram[5] & 0xff) << 16) | ((datagram[6] & 0xff) << 8) | (datagram[7] & 0xff);
    }

    static Stream<Arguments> datagramsAnsweredWithErr() {
        byte[] url = ascii("http://example.com/x");
        int goodLength = RawDatagram.query(url).bytes().length;
        return Stream.of(
                err("unknown opcode 7", RawDatagram.opcode(7).payload(RawDatagram.NO_REQUESTER, url, new byte[1]), 2),
                err("unknown opcode 200", RawDatagram.opcode(200).payload(RawDatagram.NO_REQUESTER, url, new byte[1]), 2),
                err("version 1", RawDatagram.query(url).version(1), 2),
                err("version 4", RawDatagram.query(url).version(4), 2),
                err("length field bigger", RawDatagram.query(url).lengthField(goodLength + 10), 2),
                err("length field smaller", RawDatagram.query(url).lengthField(goodLength - 1), 2),
                err("16385 bytes", RawDatagram.query(RawDatagram.repeat((byte) 'a', 16385 - 25)), 2),
                err("URL not NUL-terminated", RawDatagram.opcode(IcpOpcode.QUERY).payload(RawDatagram.NO_REQUESTER, url), 2),
                err("payload missing (24 bytes)", RawDatagram.opcode(IcpOpcode.QUERY).payload(RawDatagram.NO_REQUESTER), 2),
                err("bare header (20 bytes)", RawDatagram.opcode(IcpOpcode.QUERY), 2),
                err("empty URL", RawDatagram.query(new byte[0]), 2),
                err("embedded NUL", RawDatagram.query(ascii("http://a\0b/")), 2),
                err("space", RawDatagram.query(ascii("http://a b/")), 2),
                err("tab", RawDatagram.query(ascii("http://a\tb/")), 2),
                err("CR LF", RawDatagram.query(ascii("http://a/\r\n")), 2),
                err("DEL", RawDatagram.query(ascii("http://a\u007f/")), 2),
                err("byte 0x80", RawDatagram.query(concat(ascii("http://a/"), new byte[] {(byte) 0x80})), 2),
                err("no scheme", RawDatagram.query("example.com/x"), 2),
                err("scheme starting with a digit", RawDatagram.query("1http://x"), 2),
                err("version 3 with a bad URL", RawDatagram.query("example.com/x").version(3), 3));
    }

    private static Arguments err(String what, RawDatagram datagram, int replyVersion) {
        return Arguments.of(Named.of(what, datagram), replyVersion);
    }

    static Stream<Arguments> datagramsNeverAnswered() {
        byte[] url = ascii(URL);
        Stream<Arguments> tooShort = Stream.of(
                never("1 byte", new byte[] {1}, "droppedTooShort"),
                never("19 bytes of a query header", RawDatagram.dropLast(RawDatagram.query(new byte[0]).requestNumber(0x1900).bytes(), 6), "droppedTooShort"));
        Stream<Arguments> notQueries = Stream.of(IcpOpcode.INVALID, IcpOpcode.HIT, IcpOpcode.MISS, IcpOpcode.ERR,
                        IcpOpcode.MISS_NOFETCH, IcpOpcode.DENIED, IcpOpcode.HIT_OBJ)
                .map(opcode -> never(opcode.rfcName(), RawDatagram.reply(opcode, url).requestNumber(0x2000 + opcode.code()).bytes(), "ignored"));
        Stream<Arguments> echoes = Stream.of(IcpOpcode.SECHO, IcpOpcode.DECHO)
                .map(opcode -> never(opcode.rfcName(), RawDatagram.opcode(opcode).requestNumber(0x3000 + opcode.code())
                        .payload(RawDatagram.NO_REQUESTER, url, new byte[1]).bytes(), "ignored"));
        Stream<Arguments> malformedReply = Stream.of(
                never("HIT with a bad length and version", RawDatagram.reply(IcpOpcode.HIT, url).version(9).lengthField(3).requestNumber(0x4000).bytes(), "ignored"));
        return Stream.of(tooShort, notQueries, echoes, malformedReply).flatMap(s -> s);
    }

    private static Arguments never(String what, byte[] datagram, String counter) {
        return Arguments.of(Named.of(what, datagram), counter);
    }

    // ---- the transports and address families -------------------------------------------------

    @Nested
    class EpollOnIpv4 extends ServerCases {
        @Override
        String host() {
            return "127.0.0.1";
        }

        @Override
        boolean nativeTransport() {
            return true;
        }

        @Override
        void assumeSupported() {
            assumeTrue(Epoll.isAvailable(), () -> "no native epoll transport here: " + Epoll.unavailabilityCause());
        }
    }

    @Nested
    class NioOnIpv4 extends ServerCases {
        @Override
        String host() {
            return "127.0.0.1";
        }

        @Override
        boolean nativeTransport() {
            return false;
        }
    }

    @Nested
    class EpollOnIpv6 extends ServerCases {
        @Override
        String host() {
            return "::1";
        }

        @Override
        boolean nativeTransport() {
            return true;
        }

        @Override
        void assumeSupported() {
            assumeTrue(Epoll.isAvailable(), () -> "no native epoll transport here: " + Epoll.unavailabilityCause());
            assumeTrue(ipv6LoopbackAvailable(), "this machine has no IPv6 loopback [::1]");
        }
    }

    @Nested
    class NioOnIpv6 extends ServerCases {
        @Override
        String host() {
            return "::1";
        }

        @Override
        boolean nativeTransport() {
            return false;
        }

        @Override
        void assumeSupported() {
            assumeTrue(ipv6LoopbackAvailable(), "this machine has no IPv6 loopback [::1]");
        }
    }

    // ---- options -----------------------------------------------------------------------------

    @Test
    void optionsNeedAListenAddress() {
        assertThrows(IllegalArgumentException.class, () -> new IcpServer.Options(List.of(), 1, 0, true));
    }

    @Test
    void optionsRefuseNegativeNumbers() {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        assertThrows(IllegalArgumentException.class, () -> new IcpServer.Options(List.of(any), -1, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new IcpServer.Options(List.of(any), 1, -1, true));
    }

    @ParameterizedTest(name = "native transport: {0}")
    @ValueSource(booleans = {true, false})
    void answersOnEveryListenAddress(boolean nativeTransport) throws Exception {
        List<InetSocketAddress> listen = List.of(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.2", 0));
        try (PolicyChain chain = new PolicyChain();
                IcpServer server = IcpServer.start(new IcpServer.Options(listen, 0, 1 << 20, nativeTransport), chain);
                IcpClient client = IcpClient.open(new InetSocketAddress("127.0.0.1", 0))) {
            assertEquals(2, server.addresses().size());
            for (InetSocketAddress address : server.addresses()) {
                IcpReply reply = client.query(address, URL, REPLY_TIMEOUT).get(REPLY_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
                assertEquals(IcpOpcode.MISS, reply.message().opcode());
                assertEquals(address, reply.from());
            }
        }
    }

    /** AutoCloseable asks for an idempotent close: a node's shutdown may close its server twice. */
    @Test
    void closingTwiceIsHarmless() throws Exception {
        try (PolicyChain chain = new PolicyChain()) {
            IcpServer server = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress("127.0.0.1", 0)), 1, 0, true), chain);
            server.close();

            assertDoesNotThrow(server::close);
        }
    }

    @Test
    void secondServerOnATakenPortFailsToStart() throws Exception {
        try (PolicyChain chain = new PolicyChain();
                IcpServer first = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress("127.0.0.1", 0)), 1, 0, false), chain)) {
            var taken = new IcpServer.Options(List.of(first.addresses().get(0)), 1, 0, false);

            Exception e = assertThrows(Exception.class, () -> IcpServer.start(taken, chain).close());

            assertTrue(e instanceof java.net.BindException, e::toString);
        }
    }
}
