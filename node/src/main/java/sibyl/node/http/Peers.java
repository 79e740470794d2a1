package sibyl.node.http;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The other members of the node's cluster, as the proxy sees them: where a URL that another
 * member owns is fetched from instead of its origin (peer fill), so that it is stored only by
 * its owner.
 */
@FunctionalInterface
public interface Peers {
    /** A node in no cluster: every URL comes from its origin. */
    Peers NONE = (key, via) -> null;

    /**
     * The HTTP address of the live member that owns {@code key}, if that is another member and
     * the request did not come through a member already ({@code via} names none): one hop at
     * most, never back and forth. Null otherwise. Reads local state only.
     *
     * @param via the received-by names of the request's Via elements, in order
     */
    InetSocketAddress ownerOf(String key, List<String> via);
}
