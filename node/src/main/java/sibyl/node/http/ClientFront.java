package sibyl.node.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import sibyl.config.HttpLimits;

/**
 * The front of every client connection's pipeline, the part that turns bytes into a
 * {@link ProxyRequest} or an error response within the {@link HttpLimits}:
 * <pre>
 * gate → idle → head clock → decode → encode → body clock → aggregate → transactions → guard
 * </pre>
 * ({@link ConnectionGate}, {@link ReadDeadlines}, {@link RequestDecoder},
 * {@link RequestAggregator}, {@link HttpTransactions}, {@link RequestGuard}). One per server,
 * holding what its connections share (the connection counts, the request-body budget, the
 * counters); each connection gets handlers of its own. A type of its own so that the fuzz test
 * feeds bytes to exactly what the server runs.
 */
record ClientFront(HttpLimits limits, HttpDecoderConfig decoding, ConnectionLimits connections, BodyBudget bodies,
        HttpStats stats, AccessLog accessLog, Via via) {

    static ClientFront of(HttpLimits limits, AccessLog accessLog, Via via) {
        ConnectionLimits connections = new ConnectionLimits(limits.maxConnections(), limits.maxConnectionsPerClient());
        BodyBudget bodies = new BodyBudget(limits.requestBodiesInFlight());
        return new ClientFront(limits, decoding(limits), connections, bodies, new HttpStats(connections, bodies),
                accessLog, via);
    }

    /**
     * This front with {@code next}'s bounds for connections made from now on (and the connection
     * counts' bounds at once), sharing the counts, the request-body budget and the counters.
     * The budget's size, {@code request-bodies-in-flight}, is not changed: direct memory was
     * sized for it when the node started.
     */
    ClientFront with(HttpLimits next) {
        connections.resize(next.maxConnections(), next.maxConnectionsPerClient());
        return new ClientFront(next, decoding(next), connections, bodies, stats, accessLog, via);
    }

    private static HttpDecoderConfig decoding(HttpLimits limits) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(true);
    }

    /** Adds a new connection's front handlers to its pipeline. */
    ChannelPipeline addTo(ChannelPipeline pipeline) {
        ReadDeadlines deadlines = new ReadDeadlines(limits.headerTimeout(), limits.minBodyRate());
        return pipeline
                .addLast("gate", new ConnectionGate(connections))
                .addLast("idle", new IdleStateHandler(true, 0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast("head-clock", deadlines.bytes())
                .addLast("decoder", new RequestDecoder(decoding))
                .addLast("encoder", new HttpResponseEncoder())
                .addLast("body-clock", deadlines.requests())
                .addLast("aggregator", new RequestAggregator(limits.maxRequestBody(), bodies))
                .addLast("transactions", new HttpTransactions(accessLog, stats, bodies, limits.maxPipelined()))
                .addLast("guard", new RequestGuard(via));
    }
}
