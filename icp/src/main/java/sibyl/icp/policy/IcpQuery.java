package sibyl.icp.policy;

import java.net.InetSocketAddress;

/**
 * An ICP query as a policy sees it: a well-formed {@code ICP_OP_QUERY} (version 2 or 3) with a
 * printable-ASCII absolute URL. Malformed datagrams are answered before any policy runs.
 *
 * <p>The server reuses one instance per thread for every datagram it reads, so that answering a
 * query allocates nothing but the reply. A query is therefore valid only during the
 * {@link IcpPolicy#decide} call it is passed to: copy out what you need to keep.
 */
public interface IcpQuery {

    /** The URL asked about, exactly as sent, without its terminating NUL. */
    String url();

    /** The address and port the datagram came from: who is asking, as far as UDP can tell. */
    InetSocketAddress sender();

    /** The querier's request number, echoed in the reply. */
    int requestNumber();

    /** The ICP version of the query, 2 or 3; the reply is sent in the same version. */
    int version();

    /** The option flags the querier set (see RFC 2186 section 3); Sibyl grants none of them. */
    int options();

    /** The data accompanying {@link #options()}. */
    int optionData();

    /**
     * The IPv4 address of the client that made the querier ask, as an unsigned 32-bit value, or
     * 0: Squid always sends 0. Unauthenticated; never use it for access control.
     */
    int requesterHostAddress();
}
