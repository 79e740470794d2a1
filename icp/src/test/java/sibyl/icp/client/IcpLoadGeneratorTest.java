package sibyl.icp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.server.IcpServer;
import sibyl.icp.wire.IcpOpcode;

class IcpLoadGeneratorTest {
    private static final List<String> URLS = List.of("http://example.com/a", "http://example.com/foo", "http://example.com/c");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private PolicyChain chain;
    private IcpServer server;
    private InetSocketAddress address;

    @BeforeEach
    void startServer() throws Exception {
        chain = new PolicyChain();
        server = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress("127.0.0.1", 0)), 2, 0, true), chain);
        address = server.addresses().get(0);
    }

    @AfterEach
    void stopServer() {
        server.close();
        chain.close();
    }

    @Test
    void everyQueryOfARunIsAnswered() throws Exception {
        IcpLoadGenerator.Result result = IcpLoadGenerator.run(address, URLS, 20_000, 64, TIMEOUT);

        assertEquals(20_000, result.queries());
        assertEquals(20_000, result.answered());
        assertEquals(0, result.lost());
        assertEquals(0, result.late());
        assertEquals(0, result.malformed());
        assertEquals(Map.of(IcpOpcode.MISS, 20_000L), result.replies());
        assertEquals(20_000, result.roundTripNanos().getTotalCount());
        assertTrue(result.repliesPerSecond() > 0);
        assertEquals(20_000, server.stats().answered().get(IcpVerdict.MISS));
    }

    @Test
    void repliesAreCountedByOpcode() throws Exception {
        chain.register("foo", query -> query.url().contains("foo") ? IcpVerdict.HIT : null);

        IcpLoadGenerator.Result result = IcpLoadGenerator.run(address, URLS, 3_000, 16, TIMEOUT);

        // the URLs are queried in turn, so each gets a third of the queries
        assertEquals(Map.of(IcpOpcode.MISS, 2_000L, IcpOpcode.HIT, 1_000L), result.replies());
    }

    @Test
    void queriesToAPortWhereNothingListensAreLost() throws Exception {
        InetSocketAddress nothing;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            nothing = (InetSocketAddress) socket.getLocalSocketAddress();
        }

        IcpLoadGenerator.Result result = IcpLoadGenerator.run(nothing, URLS, 10, 64, Duration.ofMillis(50));

        assertEquals(10, result.queries());
        assertEquals(10, result.lost());
        assertEquals(0, result.answered());
        assertEquals(Map.of(), result.replies());
    }

    @Test
    void windowSmallerThanTheRunReusesItsSlots() throws Exception {
        IcpLoadGenerator.Result result = IcpLoadGenerator.run(address, URLS, 500, 1, TIMEOUT);

        assertEquals(500, result.answered());
        assertEquals(0, result.lost());
    }

    @Test
    void refusesRunsThatCannotBeMade() {
        assertThrows(IllegalArgumentException.class, () -> IcpLoadGenerator.run(address, List.of(), 1, 1, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> IcpLoadGenerator.run(address, URLS, 1, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> IcpLoadGenerator.run(address, URLS, 1, 65_537, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> IcpLoadGenerator.run(address, URLS, 0, 1, TIMEOUT));
    }
}
