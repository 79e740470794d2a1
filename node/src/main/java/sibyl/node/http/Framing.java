package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;

/**
 * How a response's body is delimited on the client's connection, and whether the connection
 * stays open after it: Content-Length when the length is known, chunked for an HTTP/1.1 client
 * otherwise, and the connection's end for an HTTP/1.0 client (which cannot read chunks).
 */
final class Framing {
    // Written as Squid and most servers spell them; Netty's constants are lower case.
    static final String CONTENT_LENGTH = "Content-Length";
    static final String TRANSFER_ENCODING = "Transfer-Encoding";
    static final String CONNECTION = "Connection";

    private Framing() {}

    /**
     * Sets the framing and Connection fields of a response head.
     *
     * @param contentLength the body's length, or -1 when it is not known in advance
     * @param bodiless a response to HEAD, or a 204 or 304: no body follows the head
     * @return whether the connection stays open after this response
     */
    static boolean apply(HttpHeaders headers, HttpVersion clientVersion, boolean keepAlive, long contentLength,
            boolean bodiless) {
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (contentLength >= 0) {
            headers.set(CONTENT_LENGTH, contentLength);
        } else if (!bodiless) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (clientVersion.isKeepAliveDefault()) {
                headers.set(TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepAlive = false; // the body ends when the connection does
            }
        }
        connection(headers, clientVersion, keepAlive);
        return keepAlive;
    }

    /** {@code Connection: close}, or {@code keep-alive} for an HTTP/1.0 client that stays. */
    static void connection(HttpHeaders headers, HttpVersion clientVersion, boolean keepAlive) {
        if (!keepAlive) {
            headers.set(CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!clientVersion.isKeepAliveDefault()) {
            headers.set(CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
