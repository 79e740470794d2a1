package sibyl.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Netty's request decoder, but a request with both Transfer-Encoding and Content-Length is
 * malformed instead of quietly losing its Content-Length: two parsers on a path may disagree
 * about where such a request ends, which is how requests are smuggled (RFC 9112 section 6.3
 * says it "ought to be handled as an error"). Differing duplicate Content-Lengths Netty already
 * rejects; and Transfer-Encoding in an HTTP/1.0 request is malformed too.
 */
final class RequestDecoder extends HttpRequestDecoder {
    /** Whether a request was found malformed here: the rest of the connection is discarded. */
    private boolean malformed;

    RequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Transfer-Encoding and Content-Length: the request's end is ambiguous");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (malformed) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) instanceof HttpRequest request && request.decoderResult().isSuccess()
                    && !request.protocolVersion().isKeepAliveDefault()
                    && request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                // RFC 9112 section 6.1: HTTP/1.0 has no Transfer-Encoding, so the framing is faulty.
                request.setDecoderResult(DecoderResult.failure(
                        new IllegalArgumentException("Transfer-Encoding in an HTTP/1.0 request")));
                // As Netty does after a malformed message of its own finding: nothing after it on
                // the connection is decoded, its body included, which would otherwise go on past
                // the guard on its own while the guard refuses the request.
                malformed = true;
                while (out.size() > i + 1) {
                    ReferenceCountUtil.release(out.remove(out.size() - 1));
                }
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
        }
    }
}
