package sibyl.icp.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpFormatException;
import sibyl.icp.wire.IcpMessage;

/**
 * Sends ICP queries and completes a future with each reply. Replies are matched by request number
 * and by the address they come from, as Squid matches them; a reply that matches nothing is
 * dropped.
 */
public final class IcpClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicInteger nextRequestNumber = new AtomicInteger(ThreadLocalRandom.current().nextInt());
    private final Map<Key, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private IcpClient(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** A client on an ephemeral port of {@code localAddress} (e.g. {@code 0.0.0.0:0}). */
    public static IcpClient open(InetSocketAddress localAddress) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sibyl-icp-client", true),
                NioIoHandler.newFactory());
        try {
            IcpClient[] self = new IcpClient[1];
            Channel channel = new Bootstrap()
                    .group(group)
                    .channel(NioDatagramChannel.class)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(IcpCodec.MAX_LENGTH + 1))
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                            self[0].received(packet);
                        }
                    })
                    .bind(localAddress).sync().channel();
            self[0] = new IcpClient(group, channel);
            return self[0];
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A client on an ephemeral IPv4 or IPv6 wildcard port, whichever reaches {@code server}. */
    public static IcpClient openFor(InetSocketAddress server) throws InterruptedException {
        boolean v6 = server.getAddress() instanceof java.net.Inet6Address;
        return open(new InetSocketAddress(v6 ? "::" : "0.0.0.0", 0));
    }

    /** Queries {@code server} about {@code url} with a fresh request number, in ICP version 2. */
    public CompletableFuture<IcpReply> query(InetSocketAddress server, String url, Duration timeout) {
        return send(server, IcpMessage.query(IcpCodec.VERSION_2, nextRequestNumber.getAndIncrement(), url), timeout);
    }

    /**
     * Sends {@code message} as it is (any opcode, version and request number) and completes with
     * the reply carrying its request number, or exceptionally with a {@link TimeoutException}.
     */
    public CompletableFuture<IcpReply> send(InetSocketAddress server, IcpMessage message, Duration timeout) {
        return sendRaw(server, IcpCodec.toBytes(message), message.requestNumber(), timeout);
    }

    /** Sends raw bytes, malformed or not, and waits for a reply carrying {@code requestNumber}. */
    public CompletableFuture<IcpReply> sendRaw(InetSocketAddress server, byte[] datagram, int requestNumber,
            Duration timeout) {
        Objects.requireNonNull(server, "server");
        Key key = new Key(requestNumber, server);
        Pending entry = new Pending(new CompletableFuture<>(), System.nanoTime());
        if (pending.putIfAbsent(key, entry) != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "request number " + Integer.toHexString(requestNumber) + " to " + server + " is already in flight"));
        }
        var timer = channel.eventLoop().schedule(() -> {
            if (pending.remove(key, entry)) {
                entry.future.completeExceptionally(new TimeoutException(
                        "no reply from " + server + " within " + timeout.toMillis() + " ms"));
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        entry.future.whenComplete((reply, error) -> timer.cancel(false));
        channel.writeAndFlush(new DatagramPacket(io.netty.buffer.Unpooled.wrappedBuffer(datagram), server))
                .addListener(f -> {
                    if (!f.isSuccess() && pending.remove(key, entry)) {
                        entry.future.completeExceptionally(f.cause());
                    }
                });
        return entry.future;
    }

    private void received(DatagramPacket packet) {
        long now = System.nanoTime();
        ByteBuf content = packet.content();
        if (content.readableBytes() < IcpCodec.HEADER_LENGTH) {
            return;
        }
        Pending entry = pending.remove(new Key(IcpCodec.requestNumber(content), packet.sender()));
        if (entry == null) {
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(content);
        try {
            IcpMessage message = IcpCodec.decode(content);
            entry.future.complete(new IcpReply(message, bytes, packet.sender(), now - entry.sentNanos));
        } catch (IcpFormatException e) {
            entry.future.completeExceptionally(new MalformedReplyException(e.rejection(), bytes, packet.sender()));
        } catch (RuntimeException e) {
            // A codec bug must fail this query, not leave its future hanging forever.
            entry.future.completeExceptionally(e);
        }
    }

    /** The local address the client sends from. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        pending.values().forEach(p -> p.future.completeExceptionally(new IllegalStateException("client closed")));
    }

    private record Key(int requestNumber, InetSocketAddress server) {}

    private record Pending(CompletableFuture<IcpReply> future, long sentNanos) {}
}
