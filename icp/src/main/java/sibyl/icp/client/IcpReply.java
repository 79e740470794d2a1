package sibyl.icp.client;

import java.net.InetSocketAddress;
import sibyl.icp.wire.IcpMessage;

/**
 * A reply as the client received it.
 *
 * @param message the decoded reply
 * @param datagram its bytes, for printing
 * @param from where it came from
 * @param roundTripNanos from sending the query to reading the reply
 */
public record IcpReply(IcpMessage message, byte[] datagram, InetSocketAddress from, long roundTripNanos) {}
