package sibyl.node.splice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The binding against the real kernel: pipes, tee, splice into a real TCP socket, errno. */
class SpliceTest {
    private Splice splice;

    @BeforeEach
    void load() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "splice(2) is Linux's");
        splice = Splice.load().orElseThrow(() -> new AssertionError("libc's splice calls did not bind on Linux"));
    }

    @Test
    void pipesCanBeResizedUpToPipeMaxSize() throws Exception {
        Pipe pipe = splice.pipe();
        try {
            // readAllLines, not readString: procfs reports a size of 0 and readString came back with "1".
            int max = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).strip());
            assertEquals(65536, splice.capacity(pipe), "Linux's default");
            assertEquals(max, splice.resize(pipe, max));
            assertEquals(8192, splice.resize(pipe, 5000), "rounded up to a power-of-two number of pages");
            SpliceException tooBig = assertThrows(SpliceException.class, () -> splice.resize(pipe, max * 2));
            assertEquals(SpliceException.EPERM, tooBig.errno());
            assertTrue(tooBig.getMessage().startsWith("fcntl(F_SETPIPE_SZ, "), tooBig.getMessage());
        } finally {
            splice.close(pipe);
        }
    }

    @Test
    void teeCopiesWithoutConsumingAndSpliceReachesASocket() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll");
        byte[] body = new byte[200_000];
        new Random(11).nextBytes(body);
        Pipe stored = splice.pipe();
        Pipe scratch = splice.pipe();
        splice.resize(stored, 256 * 1024);
        splice.resize(scratch, 256 * 1024);
        ByteBuf direct = Unpooled.directBuffer(body.length).writeBytes(body);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            assertEquals(body.length, splice.write(stored.writeFd(), direct.memoryAddress(), body.length));
            splice.close(stored.writeFd()); // a filled store pipe keeps only its read end

            CompletableFuture<Integer> accepted = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                            accepted.complete(((EpollSocketChannel) ctx.channel()).fd().intValue());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            try (Socket client = new Socket()) {
                client.connect(server.localAddress(), 5000);
                client.setSoTimeout(10_000);
                int socketFd = accepted.get(5, TimeUnit.SECONDS);
                for (int copy = 0; copy < 2; copy++) {
                    assertEquals(body.length, splice.tee(stored.readFd(), scratch.writeFd(), body.length, 0),
                            "the stored pipe still holds the whole body");
                    long left = body.length;
                    InputStream in = client.getInputStream();
                    byte[] received = new byte[body.length];
                    int read = 0;
                    while (left > 0 || read < body.length) {
                        if (left > 0) {
                            long moved = splice.splice(scratch.readFd(), socketFd, left,
                                    left > 65536 ? Splice.SPLICE_F_MORE : 0);
                            if (moved != Splice.AGAIN) {
                                left -= moved;
                            }
                        }
                        int available = in.available();
                        if (available > 0 || left == 0) {
                            int n = in.read(received, read, Math.min(body.length - read, Math.max(available, 1)));
                            read += n;
                        }
                    }
                    assertArrayEquals(body, received, "copy " + copy);
                }
            } finally {
                server.close().sync();
            }
        } finally {
            direct.release();
            splice.close(stored.readFd());
            splice.close(scratch);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void anEmptyNonBlockingPipeSaysAgainNotError() throws Exception {
        Pipe from = splice.pipe();
        Pipe to = splice.pipe();
        try {
            assertEquals(Splice.AGAIN, splice.splice(from.readFd(), to.writeFd(), 4096, 0));
            assertEquals(Splice.AGAIN, splice.tee(from.readFd(), to.writeFd(), 4096, 0));
        } finally {
            splice.close(from);
            splice.close(to);
        }
    }

    @Test
    void aClosedDescriptorIsASpecificError() throws Exception {
        Pipe pipe = splice.pipe();
        splice.close(pipe);

        SpliceException.ClosedDescriptorException closed = assertThrows(SpliceException.ClosedDescriptorException.class,
                () -> splice.splice(pipe.readFd(), pipe.writeFd(), 1, 0));
        assertEquals("splice", closed.call());
        assertThrows(SpliceException.ClosedDescriptorException.class, () -> splice.close(pipe.readFd()));
    }

    @Test
    void theOpenFileLimitIsKnown() throws Exception {
        long limit = splice.openFileLimit();
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        assertEquals(Long.parseLong(line.split("\\s+")[3]), limit);
    }
}
