package sibyl.node.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, but a request with both Transfer-Encoding and Content-Length is
 * malformed instead of quietly losing its Content-Length: two parsers on a path may disagree
 * about where such a request ends, which is how requests are smuggled (RFC 9112 section 6.3
 * says it "ought to be handled as an error"). Differing duplicate Content-Lengths Netty already
 * rejects.
 */
final class RequestDecoder extends HttpRequestDecoder {
    RequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Transfer-Encoding and Content-Length: the request's end is ambiguous");
    }
}
