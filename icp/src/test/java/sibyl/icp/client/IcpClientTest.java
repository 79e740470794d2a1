package sibyl.icp.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static sibyl.icp.wire.RawDatagram.ascii;
import static sibyl.icp.wire.RawDatagram.concat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sibyl.icp.wire.IcpMessage;
import sibyl.icp.wire.IcpOpcode;
import sibyl.icp.wire.RawDatagram;
import sibyl.icp.wire.Rejection;

/**
 * The client against a scripted peer: a plain UDP socket on loopback that answers each query
 * with whatever datagram the test makes from the query's request number.
 */
class IcpClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private DatagramSocket peer;
    private InetSocketAddress peerAddress;
    private IcpClient client;

    @BeforeEach
    void open() throws Exception {
        peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        peer.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        client = IcpClient.openFor(peerAddress);
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        peer.close();
    }

    /** Reads one query and answers it with {@code reply} of its request number. */
    private byte[] answerOne(IntFunction<byte[]> reply) throws Exception {
        DatagramPacket query = new DatagramPacket(new byte[65536], 65536);
        peer.receive(query);
        int requestNumber = ByteBuffer.wrap(query.getData(), 4, 4).getInt();
        byte[] bytes = reply.apply(requestNumber);
        peer.send(new DatagramPacket(bytes, bytes.length, query.getSocketAddress()));
        return java.util.Arrays.copyOf(query.getData(), query.getLength());
    }

    @Test
    void queryIsSentAsVersion2AndCompletedWithTheReply() throws Exception {
        CompletableFuture<IcpReply> future = client.query(peerAddress, "http://example.com/", TIMEOUT);

        byte[] sent = answerOne(number -> RawDatagram.reply(IcpOpcode.HIT, ascii("http://example.com/")).requestNumber(number).bytes());

        IcpReply reply = future.get(10, TimeUnit.SECONDS);
        assertEquals(IcpOpcode.QUERY.code(), sent[0]);
        assertEquals(2, sent[1]);
        assertEquals(IcpOpcode.HIT, reply.message().opcode());
        assertEquals(peerAddress, reply.from());
        assertEquals(reply.message().encodedLength(), reply.datagram().length);
    }

    @Test
    void replyWithAnotherRequestNumberIsDroppedAndTheQueryTimesOut() throws Exception {
        CompletableFuture<IcpReply> future = client.query(peerAddress, "http://example.com/", Duration.ofMillis(200));

        answerOne(number -> RawDatagram.reply(IcpOpcode.HIT, ascii("http://example.com/")).requestNumber(number + 1).bytes());

        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
    }

    @Test
    void malformedReplyCompletesWithTheRejectionAndTheBytes() throws Exception {
        CompletableFuture<IcpReply> future = client.query(peerAddress, "http://example.com/", TIMEOUT);

        byte[][] answered = new byte[1][];
        answerOne(number -> answered[0] = RawDatagram.reply(IcpOpcode.MISS, ascii("http://example.com/"))
                .requestNumber(number).lengthField(7).bytes());

        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        MalformedReplyException malformed = assertInstanceOf(MalformedReplyException.class, e.getCause());
        assertEquals(Rejection.LENGTH_MISMATCH, malformed.rejection());
        assertArrayEquals(answered[0], malformed.datagram());
        assertEquals(peerAddress, malformed.from());
    }

    @Test
    void requestNumberAlreadyInFlightIsRefused() {
        IcpMessage query = IcpMessage.query(2, 99, "http://example.com/");
        client.send(peerAddress, query, TIMEOUT);

        CompletableFuture<IcpReply> again = client.send(peerAddress, query, TIMEOUT);

        ExecutionException e = assertThrows(ExecutionException.class, () -> again.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void closingFailsWhatIsStillInFlight() {
        CompletableFuture<IcpReply> future = client.query(peerAddress, "http://example.com/", Duration.ofMinutes(5));

        client.close();
        client = null;

        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    /** AutoCloseable asks for an idempotent close; a second close() throws RejectedExecutionException. */
    @Test
    void closingTwiceIsHarmless() {
        IcpClient closing = client;
        client = null;
        closing.close();

        assertDoesNotThrow(closing::close);
    }

    /**
     * An ERR reply echoing a raw non-ASCII URL (as a Squid peer may send) makes IcpCodec.decode
     * throw IllegalArgumentException on the client's event loop, after the query was taken off
     * the pending map: the future then never completes, not even by timeout.
     */
    @Test
    void errReplyWithANonAsciiUrlStillCompletesTheQuery() throws Exception {
        CompletableFuture<IcpReply> future = client.query(peerAddress, "http://example.com/", Duration.ofMillis(500));

        answerOne(number -> RawDatagram.reply(IcpOpcode.ERR, concat(ascii("http://example.com/"), new byte[] {(byte) 0xe9}))
                .requestNumber(number).bytes());

        await("the query's future completes, normally or not").atMost(Duration.ofSeconds(10)).until(future::isDone);
    }
}
