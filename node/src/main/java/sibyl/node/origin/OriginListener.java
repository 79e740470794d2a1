package sibyl.node.origin;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives one origin response as it streams in, on the origin connection's event loop: the
 * head, then content, then the end; or a failure at any point, after which nothing more comes.
 */
public interface OriginListener {

    /** The final response's head. */
    void onHead(HttpResponse head);

    /**
     * An interim response (1xx other than 101: 103 Early Hints, 102 Processing, 100 Continue)
     * before the final one; any number may come.
     */
    default void onInterim(HttpResponse interim) {}

    /**
     * A piece of the body; the listener owns it and must release it. {@code last} is true for the
     * final piece ({@link io.netty.handler.codec.http.LastHttpContent}, possibly empty, with any
     * trailers), after which the exchange is over.
     */
    void onContent(HttpContent content, boolean last);

    /**
     * {@code bytes} more of the body went straight into the client's socket, after
     * {@link OriginExchange#spliceBodyTo}; the end still comes as an empty last content.
     */
    default void onSpliced(long bytes) {}

    /** The exchange failed; see {@link OriginFailure#status()} for what to tell the client. */
    void onFailure(OriginFailure failure, Throwable cause);
}
