package sibyl.icp.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpMessage;
import sibyl.icp.wire.IcpOpcode;

/**
 * Keeps a fixed number of ICP queries in flight against one server and measures what comes back:
 * replies per second, queries lost (no reply within the timeout) and the round-trip distribution.
 *
 * <p>Everything runs on one event-loop thread with a connected socket. The request number of a
 * query names its window slot (low 16 bits) and the slot's generation (high 16 bits), so a reply
 * arriving after its query was declared lost is recognised as late, not counted twice.
 */
public final class IcpLoadGenerator {
    private static final int MAX_WINDOW = 1 << 16;
    /** Datagrams per recvmmsg. */
    private static final int BATCH = 16;
    private static final long TIMER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /**
     * What a run measured.
     *
     * @param queries queries sent (including those lost)
     * @param answered replies that matched a query in flight
     * @param lost queries with no reply within the timeout
     * @param late replies that arrived after their query was declared lost, or matched nothing
     * @param malformed replies that did not decode
     * @param elapsedNanos from the first query sent to the last reply or loss
     * @param roundTripNanos the round trips of answered queries
     * @param replies answered queries by reply opcode
     */
    public record Result(long queries, long answered, long lost, long late, long malformed, long elapsedNanos,
            Histogram roundTripNanos, Map<IcpOpcode, Long> replies) {

        public double repliesPerSecond() {
            return elapsedNanos == 0 ? 0 : answered * 1e9 / elapsedNanos;
        }

        /** The round trip at {@code percentile} (e.g. 99.9), in microseconds. */
        public double roundTripMicros(double percentile) {
            return roundTripNanos.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private IcpLoadGenerator() {}

    /**
     * Sends {@code queries} queries to {@code server} for {@code urls} in turn, {@code window} at a
     * time, and returns when every one is answered or lost.
     */
    public static Result run(InetSocketAddress server, List<String> urls, long queries, int window, Duration timeout)
            throws InterruptedException {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no URLs to query");
        }
        if (window < 1 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("window must be within 1.." + MAX_WINDOW);
        }
        if (queries < 1) {
            throw new IllegalArgumentException("queries must be positive");
        }
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sibyl-icp-bench", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            Run run = new Run(urls, queries, window, timeout.toNanos());
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    .option(ChannelOption.RECVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(BATCH * (IcpCodec.MAX_LENGTH + 1)).maxMessagesPerRead(4 * BATCH))
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .option(ChannelOption.SO_SNDBUF, 4 << 20)
                    .handler(run);
            if (epoll) {
                bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, IcpCodec.MAX_LENGTH + 1);
            }
            Channel channel = bootstrap.connect(server).sync().channel();
            channel.eventLoop().execute(run::start);
            return run.done.join();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static final class Run extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Result> done = new CompletableFuture<>();
        private final byte[][] templates;
        private final long queries;
        private final int window;
        private final long timeoutNanos;
        private final long[] sentAt;
        private final int[] generation;
        private final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        private final long[] byOpcode = new long[256];
        private Channel channel;
        private ScheduledFuture<?> timer;
        private long issued;
        private long answered;
        private long lost;
        private long late;
        private long malformed;
        private long startNanos;
        private long lastNanos;

        Run(List<String> urls, long queries, int window, long timeoutNanos) {
            this.templates = urls.stream()
                    .map(url -> IcpCodec.toBytes(IcpMessage.query(IcpCodec.VERSION_2, 0, url)))
                    .toArray(byte[][]::new);
            this.queries = queries;
            this.window = window;
            this.timeoutNanos = timeoutNanos;
            this.sentAt = new long[window];
            this.generation = new int[window];
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.fireChannelActive();
        }

        void start() {
            startNanos = System.nanoTime();
            for (int slot = 0; slot < window && issued < queries; slot++) {
                send(slot);
            }
            channel.flush();
            timer = channel.eventLoop().scheduleAtFixedRate(this::expire, TIMER_NANOS, TIMER_NANOS, TimeUnit.NANOSECONDS);
        }

        private void send(int slot) {
            byte[] template = templates[(int) (issued % templates.length)];
            int gen = (generation[slot] + 1) & 0xffff;
            generation[slot] = gen;
            ByteBuf query = channel.alloc().directBuffer(template.length).writeBytes(template);
            query.setInt(4, (gen << 16) | slot);
            sentAt[slot] = System.nanoTime();
            issued++;
            channel.write(query, channel.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf reply = msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg;
                long now = System.nanoTime();
                if (reply.readableBytes() < IcpCodec.HEADER_LENGTH) {
                    malformed++;
                    return;
                }
                int number = IcpCodec.requestNumber(reply);
                int slot = number & 0xffff;
                if (slot >= window || sentAt[slot] == 0 || generation[slot] != number >>> 16) {
                    late++;
                    return;
                }
                if (IcpCodec.validate(reply) != null) {
                    malformed++;
                } else {
                    byOpcode[reply.getUnsignedByte(reply.readerIndex())]++;
                }
                histogram.recordValue(Math.min(now - sentAt[slot], histogram.getHighestTrackableValue()));
                sentAt[slot] = 0;
                answered++;
                lastNanos = now;
                if (issued < queries) {
                    send(slot);
                } else {
                    finishIfDone();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable and the like: the queries concerned time out and count as lost.
        }

        private void expire() {
            long now = System.nanoTime();
            boolean sent = false;
            for (int slot = 0; slot < window; slot++) {
                if (sentAt[slot] != 0 && now - sentAt[slot] > timeoutNanos) {
                    sentAt[slot] = 0;
                    lost++;
                    lastNanos = now;
                    if (issued < queries) {
                        send(slot);
                        sent = true;
                    }
                }
            }
            if (sent) {
                channel.flush();
            }
            finishIfDone();
        }

        private void finishIfDone() {
            if (answered + lost < queries || done.isDone()) {
                return;
            }
            timer.cancel(false);
            Map<IcpOpcode, Long> replies = new EnumMap<>(IcpOpcode.class);
            for (int code = 0; code < byOpcode.length; code++) {
                IcpOpcode opcode = IcpOpcode.of(code);
                if (byOpcode[code] > 0 && opcode != null) {
                    replies.put(opcode, byOpcode[code]);
                }
            }
            done.complete(new Result(issued, answered, lost, late, malformed, lastNanos - startNanos, histogram, replies));
        }
    }
}
