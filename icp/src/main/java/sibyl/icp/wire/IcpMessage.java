package sibyl.icp.wire;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One ICP message as a value: the 20-byte header fields and the URL of its payload.
 *
 * <p>This is the convenient form for clients, tools and tests. The server's reply path does not
 * build one: it validates and answers a datagram in place (see {@link IcpCodec}).
 *
 * @param opcode what the message is
 * @param version 2 or 3; a reply carries the version of the query it answers
 * @param requestNumber chosen by the querier, echoed unchanged in the reply
 * @param options option flags ({@link IcpCodec#FLAG_HIT_OBJ}, {@link IcpCodec#FLAG_SRC_RTT})
 * @param optionData data for the options, e.g. a round-trip time for SRC_RTT
 * @param senderHostAddress the sender's IPv4 address as an unsigned 32-bit value; senders
 *     usually leave it 0, and nothing should trust it
 * @param requesterHostAddress for query-shaped opcodes, the address of the client that asked
 *     the querier (0 when unknown); always 0 for replies
 * @param url the URL, printable ASCII, without its terminating NUL
 */
public record IcpMessage(
        IcpOpcode opcode,
        int version,
        int requestNumber,
        int options,
        int optionData,
        int senderHostAddress,
        int requesterHostAddress,
        String url) {

    public IcpMessage {
        Objects.requireNonNull(opcode, "opcode");
        Objects.requireNonNull(url, "url");
        if (version != IcpCodec.VERSION_2 && version != IcpCodec.VERSION_3) {
            throw new IllegalArgumentException("ICP version must be 2 or 3, not " + version);
        }
        if (!opcode.carriesRequesterAddress() && requesterHostAddress != 0) {
            throw new IllegalArgumentException(opcode + " carries no requester host address");
        }
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(url) || url.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("URL must be ASCII without NUL: " + url);
        }
        int length = IcpCodec.HEADER_LENGTH + (opcode.carriesRequesterAddress() ? 4 : 0) + url.length() + 1;
        if (length > IcpCodec.MAX_LENGTH) {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds " + IcpCodec.MAX_LENGTH);
        }
    }

    /** A query for {@code url} with no options, as Squid sends it. */
    public static IcpMessage query(int version, int requestNumber, String url) {
        return new IcpMessage(IcpOpcode.QUERY, version, requestNumber, 0, 0, 0, 0, url);
    }

    /** The reply {@code opcode} to {@code query}: same version, request number and URL, no options. */
    public static IcpMessage replyTo(IcpMessage query, IcpOpcode opcode) {
        return new IcpMessage(opcode, query.version(), query.requestNumber(), 0, 0, 0, 0, query.url());
    }

    /** The size of this message on the wire, which is also its message length field. */
    public int encodedLength() {
        return IcpCodec.HEADER_LENGTH + (opcode.carriesRequesterAddress() ? 4 : 0) + url.length() + 1;
    }
}
