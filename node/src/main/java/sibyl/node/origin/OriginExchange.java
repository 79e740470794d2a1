package sibyl.node.origin;

import io.netty.channel.Channel;

/** A request in flight to an origin, for flow control by whoever consumes its response. */
public interface OriginExchange {

    /** Stops reading from the origin until {@link #resume()}: the client is not keeping up. */
    void pause();

    void resume();

    /** Gives up: the connection is closed, not reused, and the listener hears nothing more. */
    void abort();

    /**
     * Asks that the rest of the body go from the origin's socket straight into {@code client}'s
     * with splice(2), never through the JVM; call it from {@link OriginListener#onHead}. Body
     * bytes already read with the head still come as {@link OriginListener#onContent}; the
     * spliced ones are announced with {@link OriginListener#onSpliced}, then an empty last
     * content ends the response. The connection is closed afterwards (its HTTP decoder did not
     * see the bytes, so it cannot be trusted with another response).
     *
     * @return false, and nothing changes, unless both connections use the epoll transport on
     *     the same event loop and the body is delimited by a Content-Length
     */
    boolean spliceBodyTo(Channel client);
}
