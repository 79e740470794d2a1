package sibyl.node.origin;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * Netty's response decoder, told the method of the request it decodes the answer to (a HEAD's
 * response has no body, whatever its Content-Length says), and able to say whether the origin
 * sent more than its response: bytes left undecoded once a response ended belong to no
 * request, so the connection cannot be reused. (Netty's {@code HttpClientCodec} knows the
 * method but keeps its leftover bytes to itself.)
 */
final class ResponseDecoder extends HttpResponseDecoder {
    /** The method of the request being answered, set before it is sent. */
    HttpMethod method = HttpMethod.GET;

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        int status = ((HttpResponse) message).status().code();
        if (HttpMethod.HEAD.equals(method) && status >= 200) {
            return true;
        }
        return super.isContentAlwaysEmpty(message);
    }

    /**
     * Whether bytes were received and not yet decoded: past the end of a response, ones the
     * origin should not have sent. Line ends alone do not count: some servers send a stray
     * CRLF after a body, and the decoder skips those before the next response anyway.
     */
    boolean undecoded() {
        if (actualReadableBytes() == 0) {
            return false;
        }
        ByteBuf left = internalBuffer();
        return left.forEachByte(left.readerIndex(), left.readableBytes(), b -> b == '\r' || b == '\n') >= 0;
    }
}
