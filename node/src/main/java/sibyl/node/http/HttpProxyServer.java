package sibyl.node.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import sibyl.config.HttpSettings;
import sibyl.cluster.ClusterStatus;
import sibyl.config.OriginSettings;
import sibyl.node.cache.CacheIndex;
import sibyl.node.cache.Grace;
import sibyl.node.cache.Heuristics;
import sibyl.node.origin.OriginClient;
import sibyl.node.store.BodyStore;

/**
 * The HTTP proxy: a Netty server whose connections each run the pipeline
 * <pre>
 * {@link ClientFront} (gate → idle → head clock → decode → encode → body clock → aggregate
 *      → transactions → guard) → pages → admission → cache
 * </pre>
 * ({@link InternalPages}, {@link Admission}, {@link CacheHandler}). Every bound of
 * {@link sibyl.config.HttpLimits} is kept by a handler of the front, and every refusal is
 * answered and logged as a request of its own. Each event loop has its own origin connections,
 * so a request and the fetch it leads run on one thread.
 */
public final class HttpProxyServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final Map<EventExecutor, OriginClient> origins;
    private final HttpStats stats;
    private final DnsAddressResolverGroup resolver;
    private final Wiring wiring;

    private HttpProxyServer(EventLoopGroup group, List<Channel> listeners, Map<EventExecutor, OriginClient> origins,
            HttpStats stats, DnsAddressResolverGroup resolver, Wiring wiring) {
        this.resolver = resolver;
        this.group = group;
        this.listeners = listeners;
        this.origins = origins;
        this.stats = stats;
        this.wiring = wiring;
    }

    /** Whether client and origin connections use Linux's epoll transport (and may splice). */
    public static boolean usesEpoll(HttpSettings settings) {
        return settings.nativeTransport() && Epoll.isAvailable();
    }

    /**
     * What the proxy caches into: the index, the bodies' store, the operator's grace for stale
     * responses, and the size of the slices range misses are fetched and stored in (0: none).
     */
    public record Stored(CacheIndex index, BodyStore store, Grace grace, long sliceBytes) {}

    /**
     * What a proxy server is made from.
     *
     * @param node the node's name, in Via and X-Cache
     * @param http its settings; those a reload may change come again through {@link #reconfigure}
     * @param drop the {@code drop} rules in force
     * @param nocache the {@code nocache} rules in force
     * @param cluster the cluster's state now, for the cache manager's page; null when in none
     * @param peers where misses for URLs other members own are fetched from
     */
    public record Context(String node, HttpSettings http, OriginSettings origin, Stored stored, UrlRules drop,
            UrlRules nocache, AccessLog accessLog, Clock clock, Supplier<ClusterStatus> cluster, Peers peers) {}

    /**
     * Starts listening on every {@code context.http().listen()} address.
     *
     * @throws BindException naming an address that is taken or cannot be bound
     */
    public static HttpProxyServer start(Context context) throws BindException, InterruptedException {
        HttpSettings settings = context.http();
        OriginSettings originSettings = context.origin();
        Stored stored = context.stored();
        boolean epoll = usesEpoll(settings);
        int threads = settings.threads() > 0 ? settings.threads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("sibyl-http", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends SocketChannel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends ServerSocketChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        // Each loop has its own client: the node's bounds are shared out among them.
        int perLoop = Math.max(1, (originSettings.maxConnections() + threads - 1) / threads);
        int poolsPerLoop = Math.max(1, (originSettings.maxPools() + threads - 1) / threads);
        OriginClient.Settings clientSettings = new OriginClient.Settings(originSettings.connectTimeout(),
                originSettings.readTimeout(), perLoop, originSettings.acquireTimeout(), poolsPerLoop,
                originSettings.poolIdleTimeout());
        // Host names from URLs are resolved without blocking: /etc/hosts, then the resolv.conf servers.
        DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .socketChannelType(clientType));
        Via via = new Via(context.node());
        ClientFront front = ClientFront.of(settings.limits(), context.accessLog(), via);
        HttpStats stats = front.stats();
        Map<EventExecutor, OriginClient> origins = new IdentityHashMap<>();
        for (EventExecutor loop : group) {
            origins.put(loop, new OriginClient((EventLoop) loop, clientType, resolver, clientSettings, stats.origin()));
        }
        ProxyCache cache = new ProxyCache(stored.index(), stored.store(), new Fetches(), context.clock(), Heuristics.RFC_SUGGESTED,
                stored.grace(), new TargetedControl(settings.targetedCacheControl()), stats, via,
                originSettings.spliceMinBytes(), Math.min(stored.sliceBytes(), stored.index().maxObjectBytes()),
                context.cluster(), context.peers());
        Wiring wiring = new Wiring(front, settings, context.drop(), context.nocache());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(serverType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        Wiring.Current current = wiring.current();
                        current.front().addTo(channel.pipeline())
                                .addLast("pages", new InternalPages(cache, current.admission().purgeAllow()))
                                .addLast("admission", new Admission(current.admission(), via))
                                .addLast("cache", new CacheHandler(cache, origins.get(channel.eventLoop())));
                    }
                });
        List<Channel> listeners = new ArrayList<>();
        try {
            for (InetSocketAddress address : settings.listen()) {
                listeners.add(bind(bootstrap, address));
            }
        } catch (BindException | InterruptedException | RuntimeException e) {
            listeners.forEach(Channel::close);
            origins.values().forEach(OriginClient::close);
            resolver.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        return new HttpProxyServer(group, listeners, origins, stats, resolver, wiring);
    }

    /**
     * Serves connections made from now on with {@code next}'s access lists, accelerator map and
     * client bounds, and the rule files {@code drop} and {@code nocache} (closing the ones they
     * replace); connections already open keep what they were made with until they close. What
     * {@code next} says of anything else (addresses, threads, the access log) is not looked at:
     * the node refuses a reload that changes those.
     */
    public void reconfigure(HttpSettings next, UrlRules drop, UrlRules nocache) {
        wiring.reconfigure(next, drop, nocache);
    }

    private static Channel bind(ServerBootstrap bootstrap, InetSocketAddress address)
            throws InterruptedException, BindException {
        try {
            return bootstrap.bind(address).sync().channel();
        } catch (Exception e) {
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            String where = (address.getAddress() != null && address.getAddress().getAddress().length == 16
                    ? "[" + address.getHostString() + "]" : address.getHostString()) + ":" + address.getPort();
            BindException bind = new BindException("HTTP address " + where + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()));
            bind.initCause(e);
            throw bind;
        }
    }

    /** The addresses listened on, with the ports picked for port 0. */
    public List<InetSocketAddress> addresses() {
        return listeners.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
    }

    public HttpStats stats() {
        return stats;
    }

    /**
     * Stops taking connections and waits, up to {@code timeout}, for the requests in flight to be
     * answered; connections already open may still send requests meanwhile. Returns whether
     * every one was.
     */
    public boolean drain(java.time.Duration timeout) throws InterruptedException {
        listeners.forEach(channel -> channel.close().syncUninterruptibly());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (stats.inFlight() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50); // a shutdown path, polled: nothing else to wait on
        }
        return true;
    }

    /** Stops accepting, closes every connection, and stops the event loops. */
    @Override
    public void close() {
        listeners.forEach(channel -> channel.close().syncUninterruptibly());
        origins.values().forEach(OriginClient::close);
        resolver.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
