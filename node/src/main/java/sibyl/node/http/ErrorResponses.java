package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The node's own answers (errors, refusals, PURGE results): a short plain-text body saying what
 * happened, which a person reading it in a browser or in curl's output can act on.
 */
final class ErrorResponses {
    private ErrorResponses() {}

    /**
     * A complete response; {@code keepAlive} false adds {@code Connection: close}, and the
     * connection is closed once it is written.
     */
    static FullHttpResponse of(ByteBufAllocator allocator, HttpResponseStatus status, String detail,
            HttpVersion clientVersion, boolean keepAlive, Via via) {
        byte[] text = (status.code() + " " + status.reasonPhrase() + "\n" + detail + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf body = allocator.buffer(text.length).writeBytes(text);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        headers.set(HttpHeaderNames.CONTENT_LENGTH, text.length);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        via.add(headers, HttpVersion.HTTP_1_1);
        via.xCache(headers, false);
        Framing.connection(headers, clientVersion, keepAlive);
        return response;
    }
}
