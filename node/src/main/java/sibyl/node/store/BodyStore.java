package sibyl.node.store;

import java.util.Map;

/** Where complete response bodies are kept: direct memory, kernel pipes. */
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

    /**
     * What else the store counts, by the name the counters page shows after {@code sibyl.store.}
     * (say, {@code pipe_refused}), in a stable order. Empty by default.
     */
    default Map<String, Long> counters() {
        return Map.of();
    }
}
