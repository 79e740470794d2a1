package sibyl.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client, and all of them together, may hold of an HTTP node; see the
 * {@code http} section of {@code reference.conf} for each bound's meaning and default.
 *
 * @param maxConnections client connections open at once, over all clients
 * @param maxConnectionsPerClient client connections open at once from one address
 * @param maxPipelined requests read ahead on one connection while an earlier one is answered
 * @param maxRequestLine bytes of a request line
 * @param maxHeaderSize bytes of a request's header section
 * @param maxRequestBody bytes of one request body
 * @param requestBodiesInFlight bytes of request bodies held at once, over all connections
 * @param headerTimeout how long a request head may take from its first byte to its last
 * @param minBodyRate bytes per second a request body must average over each
 *     {@link #RATE_WINDOW}; 0: no minimum
 * @param idleTimeout how long a connection may go without reading or writing
 */
public record HttpLimits(
        int maxConnections,
        int maxConnectionsPerClient,
        int maxPipelined,
        int maxRequestLine,
        int maxHeaderSize,
        int maxRequestBody,
        long requestBodiesInFlight,
        Duration headerTimeout,
        long minBodyRate,
        Duration idleTimeout) {

    /** The period a request body's rate is averaged over. */
    public static final Duration RATE_WINDOW = Duration.ofSeconds(10);

    public HttpLimits {
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxConnections < 1 || maxConnectionsPerClient < 1 || maxPipelined < 1) {
            throw new IllegalArgumentException("connection and pipelining bounds must be at least 1");
        }
        if (maxRequestBody > requestBodiesInFlight) {
            throw new IllegalArgumentException("a request body larger than all bodies in flight could never be read");
        }
    }
}
