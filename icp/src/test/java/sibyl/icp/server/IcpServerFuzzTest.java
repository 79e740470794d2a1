package sibyl.icp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import sibyl.icp.client.IcpClient;
import sibyl.icp.client.IcpReply;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.wire.FuzzDuration;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpMessage;
import sibyl.icp.wire.IcpOpcode;

/**
 * Sends fuzzer-made datagrams to one real server over UDP on loopback and checks after each that
 * the server still answers a valid query. Regression mode runs the empty input and the inputs in
 * {@code src/test/resources/sibyl/icp/server/IcpServerFuzzTestInputs/serverSurvivesAnyDatagram/};
 * {@code JAZZER_FUZZ} makes it fuzz for {@code sibyl.fuzz.seconds} seconds.
 */
class IcpServerFuzzTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_UDP_PAYLOAD = 65_507;

    private static PolicyChain chain;
    private static IcpServer server;
    private static InetSocketAddress address;
    private static DatagramSocket fuzzSocket;
    private static IcpClient client;
    private static int requestNumber;

    @BeforeAll
    static void startServer() throws Exception {
        FuzzDuration.boundBySibylFuzzSeconds();
        chain = new PolicyChain();
        // A policy that reads every field, so that fuzzed queries reach it as they would a plugin.
        chain.register("reader", query -> query.url().length() + query.options() + query.optionData()
                + query.requesterHostAddress() + query.version() + query.requestNumber() == 0 ? IcpVerdict.HIT : null);
        server = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress("127.0.0.1", 0)), 2, 0, true), chain);
        address = server.addresses().get(0);
        fuzzSocket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        client = IcpClient.openFor(address);
    }

    @AfterAll
    static void stopServer() {
        client.close();
        fuzzSocket.close();
        server.close();
        chain.close();
    }

    @FuzzTest(maxDuration = "20s")
    void serverSurvivesAnyDatagram(byte[] datagram) throws Exception {
        send(datagram);

        int number = ++requestNumber;
        IcpReply reply = client.send(address, IcpMessage.query(IcpCodec.VERSION_2, number, "http://example.com/"), TIMEOUT)
                .get(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);

        assertEquals(IcpOpcode.MISS, reply.message().opcode());
        assertEquals(number, reply.message().requestNumber());
    }

    /** Sends the fuzzer's bytes from a socket of their own, whose replies nobody reads. */
    private static void send(byte[] datagram) throws IOException {
        int length = Math.min(datagram.length, MAX_UDP_PAYLOAD);
        fuzzSocket.send(new DatagramPacket(datagram, length, address));
    }
}
