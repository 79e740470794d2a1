package sibyl.node.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import sibyl.config.AdminSettings;
import sibyl.icp.policy.builtin.Cidr;

/**
 * The admin listener: metrics, health, the status page, reload and cache maintenance, on
 * addresses and a thread of its own, so that neither a scrape nor a slow admin client ever waits
 * behind the proxy's event loops, nor they behind it. Each connection's pipeline is
 * <pre>
 * idle timeout → HTTP codec → aggregate (a small body at most) → {@link AdminHandler}
 * </pre>
 */
public final class AdminServer implements AutoCloseable {
    /** Admin requests carry at most a short form; anything larger is refused with 413. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    private static final int IDLE_SECONDS = 60;
    /**
     * Connections open at once: a scraper, a load balancer's probes, an operator. More are closed
     * as they come, so that a flood of connections to the admin port cannot take the node's
     * descriptors (the allow list is only checked once a request is read).
     */
    static final int MAX_CONNECTIONS = 64;

    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final AtomicReference<List<Cidr>> allow;

    private AdminServer(EventLoopGroup group, List<Channel> listeners, AtomicReference<List<Cidr>> allow) {
        this.group = group;
        this.listeners = listeners;
        this.allow = allow;
    }

    /**
     * Listens on every {@code settings.listen()} address.
     *
     * @throws BindException naming {@code admin.listen} and the address that is taken
     */
    public static AdminServer start(AdminSettings settings, NodeControl node) throws BindException, InterruptedException {
        // One thread, NIO: a handful of connections, and no splice to make.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sibyl-admin", true),
                NioIoHandler.newFactory());
        AtomicReference<List<Cidr>> allow = new AtomicReference<>(settings.allow());
        AtomicInteger open = new AtomicInteger();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (open.incrementAndGet() > MAX_CONNECTIONS) {
                            open.decrementAndGet();
                            channel.close();
                            return;
                        }
                        channel.closeFuture().addListener(closed -> open.decrementAndGet());
                        channel.pipeline()
                                .addLast("idle", new ReadTimeoutHandler(IDLE_SECONDS))
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("admin", new AdminHandler(node, allow::get));
                    }
                });
        List<Channel> listeners = new ArrayList<>();
        try {
            for (InetSocketAddress address : settings.listen()) {
                try {
                    listeners.add(bootstrap.bind(address).sync().channel());
                } catch (Exception e) {
                    if (e instanceof InterruptedException interrupted) {
                        throw interrupted;
                    }
                    BindException bind = new BindException("admin.listen: " + address.getHostString() + ":"
                            + address.getPort() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
                    bind.initCause(e);
                    throw bind;
                }
            }
        } catch (BindException | InterruptedException | RuntimeException e) {
            listeners.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        return new AdminServer(group, listeners, allow);
    }

    /** The addresses listened on, with the ports picked for port 0. */
    public List<InetSocketAddress> addresses() {
        return listeners.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
    }

    /** Answers {@code next}'s clients from the next request on (a reload of {@code admin.allow}). */
    public void allow(List<Cidr> next) {
        allow.set(List.copyOf(next));
    }

    @Override
    public void close() {
        listeners.forEach(channel -> channel.close().syncUninterruptibly());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
