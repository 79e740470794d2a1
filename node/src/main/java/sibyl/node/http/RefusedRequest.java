package sibyl.node.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Why the node refused a request before reading it whole, or before reading any: a bound was
 * reached. It travels downstream as a failed request's decoder result, so the guard answers it
 * like any malformed request (with {@code Connection: close}) and the access log records it
 * like any other request.
 */
final class RefusedRequest extends RuntimeException {
    private static final HttpMethod NONE = HttpMethod.valueOf("NONE");

    private final HttpResponseStatus status;

    private RefusedRequest(HttpResponseStatus status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    HttpResponseStatus status() {
        return status;
    }

    /**
     * A stand-in for a request that was never read, logged as Squid logs such transactions:
     * method {@code NONE}, URL {@code error:WHAT}.
     */
    static FullHttpRequest unread(String what, HttpResponseStatus status, String detail) {
        return failed(HttpVersion.HTTP_1_1, NONE, "error:" + what, status, detail);
    }

    /** The refusal of {@code head}, whose method and target the access log keeps. */
    static FullHttpRequest of(HttpRequest head, HttpResponseStatus status, String detail) {
        return failed(head.protocolVersion(), head.method(), head.uri(), status, detail);
    }

    private static FullHttpRequest failed(HttpVersion version, HttpMethod method, String target,
            HttpResponseStatus status, String detail) {
        FullHttpRequest request = new DefaultFullHttpRequest(version, method, target, Unpooled.EMPTY_BUFFER);
        request.setDecoderResult(DecoderResult.failure(new RefusedRequest(status, detail)));
        return request;
    }
}
