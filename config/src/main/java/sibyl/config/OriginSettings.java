package sibyl.config;

import java.time.Duration;

/**
 * How the node talks to origins; see {@code reference.conf}.
 *
 * @param spliceMinBytes the smallest unstored body spliced from the origin's socket into the
 *     client's; -1 when {@code origin.splice} is off
 * @param maxPools how many origins may have a connection pool at once, in the whole node
 * @param poolIdleTimeout how long a pool with no connection and no waiting request is kept
 */
public record OriginSettings(Duration connectTimeout, Duration readTimeout, int maxConnections,
        Duration acquireTimeout, long spliceMinBytes, int maxPools, Duration poolIdleTimeout) {}
