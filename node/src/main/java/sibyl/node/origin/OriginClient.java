package sibyl.node.origin;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 to origins over pooled keep-alive connections, on one event loop: per origin at most
 * {@code maxConnectionsPerOrigin}, a request waiting at most {@code acquireTimeout} for one;
 * connecting at most {@code connectTimeout}; at most {@code readTimeout} between two reads of a
 * response, which is also how long a connection may idle in its pool. At most {@code maxPools}
 * origins have a pool; one empty for {@code poolIdleTimeout} is removed. Responses stream to an
 * {@link OriginListener} and can be paused.
 *
 * <p>The jobs are split: {@link OriginPools} keeps the per-origin {@link OriginPool}s, an
 * {@link Exchange} is one request and its response, a {@link ConnectionHandler} routes a
 * connection's events to its exchange.
 */
public final class OriginClient implements AutoCloseable {

    /** How the client connects and waits; every duration positive. */
    public record Settings(Duration connectTimeout, Duration readTimeout, int maxConnectionsPerOrigin,
            Duration acquireTimeout, int maxPools, Duration poolIdleTimeout) {
        public Settings {
            for (Duration duration : new Duration[] {connectTimeout, readTimeout, acquireTimeout, poolIdleTimeout}) {
                if (duration.isNegative() || duration.isZero()) {
                    throw new IllegalArgumentException("origin timeouts must be positive");
                }
            }
            if (maxConnectionsPerOrigin < 1) {
                throw new IllegalArgumentException("at least one connection per origin");
            }
            if (maxPools < 1) {
                throw new IllegalArgumentException("at least one origin pool");
            }
        }
    }

    private final EventLoop loop;
    private final OriginStats stats;
    private final OriginPools pools;

    public OriginClient(EventLoopGroup group, Class<? extends Channel> channelType, Settings settings) {
        this(group, channelType, DefaultAddressResolverGroup.INSTANCE, settings, new OriginStats());
    }

    /**
     * @param group one of its loops runs the client, its pools and all its connections
     * @param resolver how origin host names become addresses; it must not block the event loop
     *     in production (Netty's DNS resolver), while tests may use the JDK's
     * @param stats where the client counts, shared with the proxy's other clients
     */
    public OriginClient(EventLoopGroup group, Class<? extends Channel> channelType,
            AddressResolverGroup<? extends SocketAddress> resolver, Settings settings, OriginStats stats) {
        this.loop = group.next();
        this.stats = stats;
        long readMillis = settings.readTimeout().toMillis();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        ConnectionHandler handler = new ConnectionHandler(stats);
                        channel.pipeline()
                                .addLast("bytes", handler.bytes)
                                .addLast("decoder", handler.decoder)
                                .addLast("encoder", new HttpRequestEncoder())
                                .addLast("idle", new IdleStateHandler(readMillis, 0, 0, TimeUnit.MILLISECONDS))
                                .addLast("exchange", handler);
                    }
                });
        this.pools = new OriginPools(bootstrap, loop, settings, stats);
    }

    /**
     * Sends {@code request} (ownership passes to the client) to {@code origin}; the response
     * goes to {@code listener}, on the client's event loop.
     */
    public OriginExchange send(InetSocketAddress origin, FullHttpRequest request, OriginListener listener) {
        Exchange exchange = new Exchange(origin, loop, request, listener, stats);
        if (loop.inEventLoop()) {
            begin(exchange);
        } else {
            loop.execute(() -> begin(exchange));
        }
        return exchange;
    }

    private void begin(Exchange exchange) {
        OriginPool pool = pools.get(exchange.origin());
        if (pool == null) {
            exchange.refuse(new Busy("every origin pool (origin.max-pools) is in use by other origins"));
        } else {
            exchange.acquire(pool, false);
        }
    }

    /** The per-origin pools held now, for tests. */
    int pools() {
        return onLoop(pools::size);
    }

    public OriginStats stats() {
        return stats;
    }

    private <T> T onLoop(Callable<T> task) {
        try {
            return loop.inEventLoop() ? task.call() : loop.submit(task).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes idle connections and the pools; exchanges in flight end as their connections close. */
    @Override
    public void close() {
        if (loop.isShuttingDown()) {
            loop.execute(pools::close); // still runs while the loop winds down
        } else {
            onLoop(() -> {
                pools.close();
                return null;
            });
        }
    }
}
