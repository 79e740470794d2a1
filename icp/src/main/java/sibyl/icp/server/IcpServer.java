package sibyl.icp.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.wire.IcpCodec;

/**
 * The ICP server: UDP sockets whose datagrams are answered by a {@link PolicyChain}.
 *
 * <p>On Linux with the native epoll transport, every event-loop thread gets its own socket on
 * each listen address, bound with SO_REUSEPORT, so the kernel spreads queries over cores and no
 * two threads share a socket or a lock. Elsewhere (NIO) each address gets one socket. Replies
 * leave from the socket the query came in on, so from the server's own address and port, which is
 * what Squid matches replies by.
 *
 * <p>The server's threads do nothing but ICP: nothing slow can stall a reply.
 */
public final class IcpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IcpServer.class);
    /** Datagrams read by one recvmmsg, and answered by one sendmmsg, on epoll. */
    private static final int BATCH = 16;
    private static final int DATAGRAM_SLOT = IcpCodec.MAX_LENGTH + 1;

    /**
     * How the server listens.
     *
     * @param listen addresses to bind; port 0 picks a free port (one per address, shared by its
     *     sockets)
     * @param threads event-loop threads; 0 means one per available processor
     * @param receiveBufferBytes SO_RCVBUF per socket, 0 for the system default: a burst of queries
     *     larger than this is lost before the server sees it
     * @param nativeTransport use epoll where available; false forces NIO
     * @param maxRepliesPerSender replies a second to one sender address, per socket (a burst of a
     *     second's worth allowed); queries beyond are dropped unanswered. 0: no limit
     */
    public record Options(List<InetSocketAddress> listen, int threads, int receiveBufferBytes, boolean nativeTransport,
            int maxRepliesPerSender) {
        public Options {
            listen = List.copyOf(listen);
            if (listen.isEmpty()) {
                throw new IllegalArgumentException("an ICP server needs at least one listen address");
            }
            if (threads < 0 || receiveBufferBytes < 0 || maxRepliesPerSender < 0) {
                throw new IllegalArgumentException("threads, receive buffer size and reply rate must not be negative");
            }
        }

        /** Options without a reply rate limit, for tools and tests that are their own only sender. */
        public Options(List<InetSocketAddress> listen, int threads, int receiveBufferBytes, boolean nativeTransport) {
            this(listen, threads, receiveBufferBytes, nativeTransport, 0);
        }
    }

    private final EventLoopGroup group;
    private final List<Channel> channels;
    private final List<InetSocketAddress> addresses;
    private final IcpServerStats stats;
    private final boolean epoll;
    private final AtomicBoolean closed = new AtomicBoolean();

    private IcpServer(EventLoopGroup group, List<Channel> channels, List<InetSocketAddress> addresses,
            IcpServerStats stats, boolean epoll) {
        this.group = group;
        this.channels = channels;
        this.addresses = addresses;
        this.stats = stats;
        this.epoll = epoll;
    }

    /**
     * Binds every listen address and starts answering.
     *
     * @throws BindException naming the address that is taken or cannot be bound; with SO_REUSEPORT
     *     an address is also refused when any other socket holds it, another node's included
     */
    public static IcpServer start(Options options, PolicyChain chain) throws InterruptedException, BindException {
        Objects.requireNonNull(chain, "chain");
        boolean epoll = options.nativeTransport() && Epoll.isAvailable();
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        if (!epoll) {
            // Without SO_REUSEPORT a second socket on the same port cannot be bound.
            threads = Math.min(threads, options.listen().size());
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("sibyl-icp", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        IcpServerStats stats = new IcpServerStats();
        List<Channel> channels = new ArrayList<>();
        List<InetSocketAddress> bound = new ArrayList<>();
        try {
            List<EventLoop> loops = new ArrayList<>();
            for (EventExecutor executor : group) {
                loops.add((EventLoop) executor);
            }
            for (InetSocketAddress address : options.listen()) {
                if (epoll) {
                    ensureFree(address);
                }
                InetSocketAddress target = address;
                List<EventLoop> socketsLoops = epoll ? loops : List.of(loops.get(bound.size() % loops.size()));
                for (EventLoop loop : socketsLoops) {
                    Channel channel = bind(bootstrap(loop, epoll, family(address), options, chain, stats), target);
                    channels.add(channel);
                    // Port 0: the first socket picked the port; the others join it.
                    target = (InetSocketAddress) channel.localAddress();
                }
                bound.add(target);
            }
        } catch (InterruptedException | BindException | RuntimeException e) {
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        IcpServer server = new IcpServer(group, List.copyOf(channels), List.copyOf(bound), stats, epoll);
        log.info("ICP server listening on {} ({}, {} socket(s) on {} thread(s))", server.addresses,
                epoll ? "epoll, SO_REUSEPORT" : "NIO", channels.size(), threads);
        return server;
    }

    /**
     * SO_REUSEPORT lets any process of the same user bind the same address and take a share of
     * the queries, so a second node started by mistake would silently split Squid's answers with
     * the first. A plain socket cannot share: if one binds, the address is free.
     */
    private static void ensureFree(InetSocketAddress address) throws BindException {
        if (address.getPort() == 0) {
            return;
        }
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.setReuseAddress(false);
            probe.bind(address);
        } catch (BindException e) {
            throw new BindException(describe(address) + " is already in use (another Sibyl node, or another program)");
        } catch (SocketException e) {
            throw bindFailure(address, e);
        }
    }

    private static Channel bind(Bootstrap bootstrap, InetSocketAddress address) throws InterruptedException, BindException {
        ChannelFuture future = bootstrap.bind(address).await();
        if (!future.isSuccess()) {
            throw bindFailure(address, future.cause());
        }
        return future.channel();
    }

    private static BindException bindFailure(InetSocketAddress address, Throwable cause) {
        BindException e = new BindException(describe(address) + ": " + cause.getMessage());
        e.initCause(cause);
        return e;
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * An IPv4 address gets an IPv4 socket: a dual-stack one would report every sender as an
     * IPv4-mapped IPv6 address to be converted back, per datagram.
     */
    private static SocketProtocolFamily family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    }

    private static Bootstrap bootstrap(EventLoop loop, boolean epoll, SocketProtocolFamily family, Options options,
            PolicyChain chain, IcpServerStats stats) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channelFactory(() -> epoll ? new EpollDatagramChannel(family) : new NioDatagramChannel(family))
                // Room for BATCH datagrams per read (one recvmmsg on epoll), each one byte larger
                // than the ICP maximum so that a longer datagram shows as too long rather than as
                // a silently truncated one.
                .option(ChannelOption.RECVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator((epoll ? BATCH : 1) * DATAGRAM_SLOT).maxMessagesPerRead(4 * BATCH))
                .handler(new IcpQueryHandler(new IcpResponder(chain, stats, options.maxRepliesPerSender())));
        if (options.receiveBufferBytes() > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, options.receiveBufferBytes());
        }
        if (epoll) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, DATAGRAM_SLOT);
        }
        return bootstrap;
    }

    /** The bound addresses, with the ports picked for port 0. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Whether the native epoll transport (SO_REUSEPORT, sendmmsg) is in use. */
    public boolean nativeTransport() {
        return epoll;
    }

    public IcpServerStats stats() {
        return stats;
    }

    /** Closes the sockets and stops the threads; queries already read are answered first. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Channel channel : channels) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("ICP server on {} stopped: {}", addresses, stats);
    }
}
