package sibyl.node.origin;

import io.netty.channel.Channel;

/**
 * A connection lent to one exchange by its origin's pool, until {@link OriginPool#release}.
 *
 * @param reused whether it served an earlier exchange (and sat idle since): such a connection may
 *     have been closed by the origin without our having read the close yet
 */
record Lease(Channel channel, boolean reused) {}
