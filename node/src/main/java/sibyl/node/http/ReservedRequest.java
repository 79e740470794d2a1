package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A whole request whose body holds {@link #reserved} bytes of the {@link BodyBudget}: the
 * transaction that answers it gives them back when it ends.
 */
final class ReservedRequest extends DefaultFullHttpRequest {
    final long reserved;

    ReservedRequest(HttpVersion version, HttpMethod method, String target, ByteBuf body, HttpHeaders headers,
            HttpHeaders trailers, long reserved) {
        super(version, method, target, body, headers, trailers);
        this.reserved = reserved;
    }

    /** The bytes {@code request} holds of the budget. */
    static long reservedBy(Object request) {
        return request instanceof ReservedRequest reservedRequest ? reservedRequest.reserved : 0;
    }
}
