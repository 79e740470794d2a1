package sibyl.node.store;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.FileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Real TCP connections over 127.0.0.1 whose server end is a Netty epoll channel, for writing
 * stored bodies into, and whose client end is a plain socket the test reads from.
 */
final class EpollConnections implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final Channel server;

    EpollConnections() throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel channel) {
                        channel.pipeline().addLast(new ChannelDuplexHandler() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // a client the test reset: the transfer ends with the connection
                            }
                        });
                        accepted.add(channel);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    record Connection(Socket client, Channel server) implements AutoCloseable {
        byte[] read(int length) throws IOException {
            byte[] bytes = new byte[length];
            InputStream in = client.getInputStream();
            int at = 0;
            while (at < length) {
                int n = in.read(bytes, at, Math.min(length - at, 65536));
                if (n < 0) {
                    throw new IOException("closed after " + at + " of " + length + " bytes");
                }
                at += n;
            }
            return bytes;
        }

        /**
         * Whether a transfer was written and stopped with bytes left, waiting for the socket:
         * Netty counts a FileRegion as 0 bytes for writability, so this asks the outbound buffer.
         */
        boolean transferWaiting() throws Exception {
            return server.eventLoop().submit(() -> {
                ChannelOutboundBuffer outbound = server.unsafe().outboundBuffer();
                return outbound != null && outbound.current() instanceof FileRegion region
                        && region.transferred() > 0 && region.transferred() < region.count();
            }).get();
        }

        /** Writes the range on the channel's loop and flushes it. */
        void send(StoredBody body, long offset, long length) {
            server.eventLoop().execute(() -> {
                ChannelHandlerContext ctx = server.pipeline().firstContext();
                body.writeRange(ctx, offset, length);
                ctx.flush();
            });
        }

        @Override
        public void close() throws IOException {
            client.close();
            server.close().syncUninterruptibly();
        }
    }

    /** A new connection; {@code receiveBuffer} > 0 makes the client a slow reader's size. */
    Connection connect(int receiveBuffer) throws IOException, InterruptedException {
        Socket client = new Socket();
        if (receiveBuffer > 0) {
            client.setReceiveBufferSize(receiveBuffer);
        }
        client.connect(server.localAddress(), 5000);
        client.setSoTimeout(30_000);
        Channel channel = accepted.poll(5, TimeUnit.SECONDS);
        if (channel == null) {
            client.close();
            throw new IOException("the server did not accept");
        }
        return new Connection(client, channel);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
