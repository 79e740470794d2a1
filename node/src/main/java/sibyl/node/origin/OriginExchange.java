package sibyl.node.origin;

/** A request in flight to an origin, for flow control by whoever consumes its response. */
public interface OriginExchange {

    /** Stops reading from the origin until {@link #resume()}: the client is not keeping up. */
    void pause();

    void resume();

    /** Gives up: the connection is closed, not reused, and the listener hears nothing more. */
    void abort();
}
