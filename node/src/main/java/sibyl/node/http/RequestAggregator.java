package sibyl.node.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * Netty's aggregator, but a request the decoder found malformed gets no {@code 100 Continue}
 * and no {@code 417}: it goes straight on, failed, to the {@link RequestGuard}, which answers
 * 400 and closes. Netty works out its continue response before it looks at the decoder's
 * verdict, reading the Content-Length again, and a request that failed for its Content-Length
 * ({@code Content-Length: x} with {@code Expect: 100-continue}) made that throw a
 * NumberFormatException: no response, the connection closed, and a stack trace in the log.
 */
final class RequestAggregator extends HttpObjectAggregator {
    RequestAggregator(int maxContentLength) {
        super(maxContentLength, true);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        return start.decoderResult().isFailure() ? null : super.newContinueResponse(start, maxContentLength, pipeline);
    }
}
