package sibyl.node.store;

/** Where complete response bodies are kept: direct memory now, kernel pipes later. */
public interface BodyStore {

    /**
     * Starts a body as it streams in from the origin.
     *
     * @param expectedLength the Content-Length, or -1 when the body is chunked or delimited by
     *     the connection's end
     */
    BodyWriter open(long expectedLength);

    /** Bytes held by bodies not yet freed: what the store costs, whatever the index thinks. */
    long bytesHeld();
}
