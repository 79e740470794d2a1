package sibyl.node.http;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The other members of the node's cluster, as the proxy sees them: where a miss is fetched
 * from instead of its origin (peer fill), so that each URL is stored by one member.
 */
public interface Peers {
    /** A node in no cluster: every URL comes from its origin. */
    Peers NONE = new Peers() {
        @Override
        public InetSocketAddress ownerOf(String key, List<String> via) {
            return null;
        }

        @Override
        public InetSocketAddress member(String name) {
            return null;
        }
    };

    /**
     * The HTTP address of the live member a miss for {@code key} is fetched from (one that
     * holds it, or should store it), or null to fetch it from the origin. A request goes through
     * two members at most and never back to one. Reads local state only.
     *
     * @param via the received-by names of the request's Via elements, in order
     */
    InetSocketAddress ownerOf(String key, List<String> via);

    /** The HTTP address of the live member named {@code name}, other than this node; else null. */
    InetSocketAddress member(String name);

    /**
     * This node invalidated {@code keys} (a PURGE, a successful unsafe request): the other
     * members drop them too, wherever the URLs are held.
     */
    default void invalidated(List<String> keys) {}
}
