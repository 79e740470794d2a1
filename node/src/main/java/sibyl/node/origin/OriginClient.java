package sibyl.node.origin;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.AbstractChannelPoolMap;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP/1.1 to origins over pooled keep-alive connections: per origin at most
 * {@code maxConnectionsPerOrigin}, a request waiting at most {@code acquireTimeout} for one;
 * connecting at most {@code connectTimeout}; at most {@code readTimeout} between two reads of a
 * response, which is also how long a connection may idle in its pool. Responses stream to an
 * {@link OriginListener} and can be paused.
 */
public final class OriginClient implements AutoCloseable {

    /** How the client connects and waits; every duration positive. */
    public record Settings(Duration connectTimeout, Duration readTimeout, int maxConnectionsPerOrigin,
            Duration acquireTimeout) {
        public Settings {
            if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()
                    || acquireTimeout.isNegative() || acquireTimeout.isZero()) {
                throw new IllegalArgumentException("origin timeouts must be positive");
            }
            if (maxConnectionsPerOrigin < 1) {
                throw new IllegalArgumentException("at least one connection per origin");
            }
        }
    }

    private static final int MAX_WAITING_PER_ORIGIN = 10_000;

    private final AbstractChannelPoolMap<InetSocketAddress, FixedChannelPool> pools;

    public OriginClient(EventLoopGroup group, Class<? extends Channel> channelType, Settings settings) {
        this(group, channelType, DefaultAddressResolverGroup.INSTANCE, settings);
    }

    /**
     * @param resolver how origin host names become addresses; it must not block the event loop
     *     in production (Netty's DNS resolver), while tests may use the JDK's
     */
    public OriginClient(EventLoopGroup group, Class<? extends Channel> channelType,
            AddressResolverGroup<? extends SocketAddress> resolver, Settings settings) {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(channelType)
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true);
        this.pools = new AbstractChannelPoolMap<>() {
            @Override
            protected FixedChannelPool newPool(InetSocketAddress origin) {
                return new FixedChannelPool(bootstrap.clone().remoteAddress(origin), new AbstractChannelPoolHandler() {
                    @Override
                    public void channelCreated(Channel channel) {
                        channel.pipeline()
                                .addLast("codec", new HttpClientCodec())
                                .addLast("idle", new IdleStateHandler(settings.readTimeout().toMillis(), 0, 0,
                                        TimeUnit.MILLISECONDS))
                                .addLast("exchange", new ExchangeHandler());
                    }
                }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
                        settings.acquireTimeout().toMillis(), settings.maxConnectionsPerOrigin(), MAX_WAITING_PER_ORIGIN,
                        true, true);
            }
        };
    }

    /**
     * Sends {@code request} (ownership passes to the client) to {@code origin}; the response
     * goes to {@code listener}.
     */
    public OriginExchange send(InetSocketAddress origin, FullHttpRequest request, OriginListener listener) {
        FixedChannelPool pool = pools.get(origin);
        Exchange exchange = new Exchange(pool, request, listener);
        pool.acquire().addListener(acquired -> {
            if (!acquired.isSuccess()) {
                request.release();
                exchange.fail(classify(acquired.cause()), acquired.cause());
                return;
            }
            Channel channel = (Channel) acquired.getNow();
            // The pool calls back on its own loop: run the exchange on the connection's.
            channel.eventLoop().execute(() -> exchange.start(channel));
        });
        return exchange;
    }

    /** FixedChannelPool fails an acquire with a TimeoutException when every connection stayed busy. */
    private static OriginFailure classify(Throwable cause) {
        return cause instanceof TimeoutException ? OriginFailure.BUSY : OriginFailure.UNREACHABLE;
    }

    @Override
    public void close() {
        pools.close();
    }

    /** One request and its response, from acquiring a connection to releasing it. */
    private static final class Exchange implements OriginExchange {
        /**
         * Bytes spliced per step: each step's end is progress the read timeout can see (spliced
         * reads never reach the pipeline's idle handler).
         */
        private static final int SPLICE_STEP = 64 * 1024;

        private final FixedChannelPool pool;
        private final FullHttpRequest request;
        private final OriginListener listener;
        private volatile Channel channel;
        private volatile boolean aborted;
        private volatile boolean paused;
        private boolean headSeen;
        private boolean done;
        private HttpResponse head;
        private long contentSeen;
        /** Where the body goes once the head's read is decoded, if {@link #spliceBodyTo} said yes. */
        private AbstractEpollStreamChannel spliceTarget;
        /** Closes the origin connection if the client goes mid-splice; removed once the exchange ends. */
        private GenericFutureListener<Future<? super Void>> clientClosed;
        private long spliceLeft = -1;
        private boolean splicedSinceIdle;

        Exchange(FixedChannelPool pool, FullHttpRequest request, OriginListener listener) {
            this.pool = pool;
            this.request = request;
            this.listener = listener;
        }

        void start(Channel acquired) {
            channel = acquired;
            if (aborted) {
                request.release();
                finish(false);
                return;
            }
            acquired.pipeline().get(ExchangeHandler.class).exchange = this;
            acquired.config().setAutoRead(!paused); // a pause asked for before the connection came
            acquired.writeAndFlush(request).addListener(written -> {
                if (!written.isSuccess()) {
                    onBroken(written.cause());
                }
            });
        }

        void onHead(HttpResponse response) {
            headSeen = true;
            head = response;
            listener.onHead(response);
        }

        void onContent(HttpContent content) {
            contentSeen += content.content().readableBytes();
            boolean last = content instanceof LastHttpContent;
            if (last) {
                done = true;
            }
            try {
                listener.onContent(content, last);
            } finally {
                if (last) { // even if the listener failed: the connection must go back
                    finish(HttpUtil.isKeepAlive(head) && HttpUtil.isKeepAlive(request));
                }
            }
        }

        @Override
        public boolean spliceBodyTo(Channel client) {
            long length = HttpUtil.getContentLength(head, -1L);
            int status = head.status().code();
            if (!(channel instanceof AbstractEpollStreamChannel) || !(client instanceof AbstractEpollStreamChannel target)
                    || client.eventLoop() != channel.eventLoop() || length < 0 || HttpMethod.HEAD.equals(request.method())
                    || status < 200 || status == 204 || status == 304 || spliceTarget != null) {
                return false;
            }
            spliceTarget = target;
            // Netty closes the client's splice pipe with the client: the origin must not splice
            // into it after that, so the origin connection goes with it, at once, on this loop.
            // Removed when the exchange ends: a kept-alive client would otherwise hold every
            // exchange it ever spliced, until it closes (Squid's parent connections may never).
            clientClosed = closed -> {
                if (!done) {
                    channel.close();
                }
            };
            client.closeFuture().addListener(clientClosed);
            return true;
        }

        /**
         * The read that brought the head is decoded, and so are the body bytes it held: whatever
         * is left of the body is still in the socket, for splice.
         */
        void readComplete() {
            if (spliceTarget == null || spliceLeft >= 0 || done || aborted) {
                return;
            }
            spliceLeft = HttpUtil.getContentLength(head, -1L) - contentSeen;
            if (spliceLeft > 0) {
                spliceStep();
            }
        }

        private void spliceStep() {
            int step = (int) Math.min(spliceLeft, SPLICE_STEP);
            ((AbstractEpollStreamChannel) channel).spliceTo(spliceTarget, step).addListener(spliced -> {
                if (done || aborted) {
                    return;
                }
                if (!spliced.isSuccess()) {
                    fail(OriginFailure.CUT_SHORT, spliced.cause());
                    return;
                }
                spliceLeft -= step;
                splicedSinceIdle = true;
                listener.onSpliced(step);
                if (spliceLeft > 0) {
                    spliceStep();
                } else {
                    done = true;
                    listener.onContent(LastHttpContent.EMPTY_LAST_CONTENT, true);
                    finish(false); // the decoder never saw the spliced bytes
                }
            });
        }

        /** A read timeout: unless a splice step ended since the last one, the origin went quiet. */
        boolean quietSinceLastIdle() {
            boolean quiet = !splicedSinceIdle;
            splicedSinceIdle = false;
            return quiet;
        }

        void onBroken(Throwable cause) {
            if (done) {
                return;
            }
            fail(headSeen ? OriginFailure.CUT_SHORT : OriginFailure.BAD_RESPONSE, cause);
        }

        void onIdle() {
            if (done) {
                return;
            }
            fail(headSeen ? OriginFailure.CUT_SHORT : OriginFailure.TIMEOUT,
                    new TimeoutException("no data from the origin within the read timeout"));
        }

        void fail(OriginFailure failure, Throwable cause) {
            if (done) {
                return;
            }
            done = true;
            if (!aborted) {
                listener.onFailure(failure, cause);
            }
            if (channel != null) {
                finish(false);
            }
        }

        /** Gives the connection back: for reuse, or closed. Exactly once per acquired channel. */
        private void finish(boolean reusable) {
            if (clientClosed != null) {
                spliceTarget.closeFuture().removeListener(clientClosed);
                clientClosed = null;
            }
            Channel current = channel;
            current.pipeline().get(ExchangeHandler.class).exchange = null;
            if (!reusable) {
                current.close();
            }
            pool.release(current);
        }

        @Override
        public void pause() {
            paused = true;
            Channel current = channel;
            if (current != null) {
                current.config().setAutoRead(false);
            }
        }

        @Override
        public void resume() {
            paused = false;
            Channel current = channel;
            if (current != null) {
                current.config().setAutoRead(true);
            }
        }

        @Override
        public void abort() {
            aborted = true;
            Channel current = channel;
            if (current != null) {
                Runnable end = () -> {
                    if (!done) {
                        done = true;
                        finish(false);
                    }
                };
                if (current.eventLoop().inEventLoop()) {
                    end.run(); // at once: a splice must not run on after its client is gone
                } else {
                    current.eventLoop().execute(end);
                }
            }
        }
    }

    /** Routes one connection's events to the exchange using it, if any. */
    private static final class ExchangeHandler extends ChannelInboundHandlerAdapter {
        Exchange exchange;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            Exchange current = exchange;
            if (current == null || current.aborted || !(message instanceof HttpObject object)) {
                ReferenceCountUtil.release(message);
                if (current == null) {
                    ctx.close(); // the origin spoke out of turn: the connection cannot be trusted
                }
                return;
            }
            if (object.decoderResult().isFailure()) {
                ReferenceCountUtil.release(message);
                current.fail(current.headSeen ? OriginFailure.CUT_SHORT : OriginFailure.BAD_RESPONSE,
                        object.decoderResult().cause());
                return;
            }
            if (object instanceof HttpResponse response) {
                if (response.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
                        && response.status().code() != 101) {
                    ReferenceCountUtil.release(message); // 100 Continue and friends: wait for the real one
                    return;
                }
                current.onHead(response);
            }
            if (object instanceof HttpContent content) {
                current.onContent(content);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Exchange current = exchange;
            if (current != null) {
                current.readComplete();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Exchange current = exchange;
            if (current != null) {
                current.onBroken(new java.io.IOException("the origin closed the connection"));
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (!(event instanceof IdleStateEvent)) {
                ctx.fireUserEventTriggered(event);
                return;
            }
            Exchange current = exchange;
            if (current == null) {
                // Idle in the pool that long: close it before the origin does, mid-request.
                ctx.close();
            } else if (ctx.channel().config().isAutoRead() && current.quietSinceLastIdle()) {
                current.onIdle(); // a paused exchange waits for its client, not for the origin
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Exchange current = exchange;
            if (current != null) {
                current.onBroken(cause);
            }
            ctx.close();
        }
    }
}
