package sibyl.node.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Epoll;
import io.netty.util.IllegalReferenceCountException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sibyl.node.splice.PipeLimits;
import sibyl.node.splice.Splice;
import sibyl.node.splice.SpliceException;

/** The pipe store against the real kernel, served into real epoll TCP connections. */
class PipeBodyStoreTest {
    private static final int MIB = 1 << 20;
    private Splice splice;
    private PipeLimits limits;
    private EpollConnections connections;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void load() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && Epoll.isAvailable(), "splice and epoll are Linux's");
        splice = Splice.load().orElseThrow(() -> new AssertionError("libc's splice calls did not bind on Linux"));
        limits = splice.limits();
        connections = new EpollConnections();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        if (connections != null) {
            connections.close();
        }
    }

    private PipeBodyStore store(long memory, int pipeBytes, int transfers, long descriptors) throws SpliceException {
        PipeBodyStore store = new PipeBodyStore(splice, limits, memory, pipeBytes, transfers, descriptors);
        closing.add(store);
        return store;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4095, 4096, 4097, MIB - 1, MIB, MIB + 1, 16 * MIB + 3})
    void bodiesGoOutOfTheirPipesIntoASocketByteExact(int size) throws Exception {
        for (int pipeBytes : new int[] {64 * 1024, MIB}) {
            PipeBodyStore store = store(64L * MIB, pipeBytes, 4, 1000);
            byte[] bytes = random(size);
            StoredBody body = stored(store, bytes, 7919);
            assertInstanceOf(PipedBody.class, body);

            try (EpollConnections.Connection connection = connections.connect(0)) {
                connection.send(body, 0, size);
                assertArrayEquals(bytes, connection.read(size), "pipes of " + pipeBytes + " bytes");
            }
            body.release();
            await().untilAsserted(() -> {
                assertEquals(0, store.bytesHeld());
                assertEquals(0, store.pagesHeld(), "every page back");
            });
            assertEquals(0, store.copiedTransfers(), "spliced, not copied");
        }
    }

    @Test
    void anEmptyBodyTakesNoPipe() throws Exception {
        PipeBodyStore store = store(MIB, MIB, 1, 100);
        long descriptors = store.descriptorsHeld();
        BodyWriter writer = store.tryOpen(0);
        StoredBody body = writer.finish();
        assertEquals(0, body.length());
        assertEquals(descriptors, store.descriptorsHeld());
        try (EpollConnections.Connection connection = connections.connect(0)) {
            StoredBody one = stored(store, new byte[] {42}, 1);
            connection.send(body, 0, 0);
            connection.send(one, 0, 1);
            assertArrayEquals(new byte[] {42}, connection.read(1), "nothing written for the empty body");
            one.release();
        }
        body.release();
    }

    @Test
    void rangesAcrossPiecesAreExact() throws Exception {
        int pipeBytes = 64 * 1024;
        PipeBodyStore store = store(64L * MIB, pipeBytes, 4, 1000);
        byte[] bytes = random(5 * pipeBytes + 123);
        StoredBody body = stored(store, bytes, 65536);
        long[][] ranges = {{0, 1}, {1, pipeBytes}, {pipeBytes - 1, 2}, {pipeBytes, pipeBytes}, {3, 4 * pipeBytes},
                {bytes.length - 1, 1}, {2 * pipeBytes + 17, 3 * pipeBytes + 100}};
        try (EpollConnections.Connection connection = connections.connect(0)) {
            for (long[] range : ranges) {
                connection.send(body, range[0], range[1]);
                byte[] expected = Arrays.copyOfRange(bytes, (int) range[0], (int) (range[0] + range[1]));
                assertArrayEquals(expected, connection.read((int) range[1]), range[0] + "+" + range[1]);
                assertArrayEquals(expected, PendingTransfer.of(body, range[0], range[1]).complete(),
                        "copied out for a channel that is not epoll's: " + range[0] + "+" + range[1]);
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> PendingTransfer.of(body, bytes.length - 1, 2));
        body.release();
    }

    @Test
    void aSlowReaderIsWaitedForAndGetsEveryByte() throws Exception {
        PipeBodyStore store = store(64L * MIB, MIB, 2, 100);
        byte[] bytes = random(16 * MIB + 3);
        StoredBody body = stored(store, bytes, 65536);
        try (EpollConnections.Connection connection = connections.connect(4096)) {
            connection.send(body, 0, bytes.length);
            // The socket fills and splice says EAGAIN: the transfer waits, unfinished, for EPOLLOUT.
            await().until(connection::transferWaiting);
            assertArrayEquals(bytes, connection.read(bytes.length));
            await().until(() -> !connection.transferWaiting());
        }
        body.release();
    }

    @Test
    void aClientLeavingMidBodyLeaksNoDescriptor() throws Exception {
        PipeBodyStore store = store(64L * MIB, MIB, 2, 100);
        byte[] bytes = random(8 * MIB);
        StoredBody body = stored(store, bytes, 65536);
        // A first transfer makes the scratch pipe, which is kept for the next.
        try (EpollConnections.Connection connection = connections.connect(0)) {
            connection.send(body, 0, bytes.length);
            connection.read(bytes.length);
        }
        long before = openDescriptors();

        EpollConnections.Connection leaving = connections.connect(4096);
        leaving.send(body, 0, bytes.length);
        assertArrayEquals(Arrays.copyOf(bytes, 1000), leaving.read(1000));
        leaving.client().setSoLinger(true, 0); // a reset, with most of the body still to go
        leaving.client().close();

        await().until(() -> !leaving.server().isOpen());
        await().untilAsserted(() -> assertEquals(1, body.refCnt(), "the transfer let go of the body"));
        // At most as many as before: its two sockets gone and nothing left; fewer when something
        // else in this JVM closes descriptors meanwhile (a node of an earlier test class
        // finishing its shutdown: CI saw 90 for 94).
        await().untilAsserted(() -> assertTrue(openDescriptors() <= before,
                "its two sockets gone, nothing left: " + openDescriptors() + " open, " + before + " before"));
        try (EpollConnections.Connection next = connections.connect(0)) {
            next.send(body, 0, bytes.length);
            assertArrayEquals(bytes, next.read(bytes.length), "the scratch pipe came back empty");
        }
        body.release();
        assertEquals(0, store.bytesHeld());
    }

    @Test
    void hitsInFlightWhenTheBodyIsEvictedFinishAndThenItsPipesClose() throws Exception {
        PipeBodyStore store = store(64L * MIB, 256 * 1024, 8, 1000);
        byte[] bytes = random(4 * MIB + 5);
        Set<String> before = pipesOpen();
        StoredBody body = stored(store, bytes, 32768);
        assertEquals(17, pipeDescriptorsOpenedSince(before), "one descriptor per stored piece");
        List<EpollConnections.Connection> readers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            readers.add(connections.connect(8192));
        }
        readers.forEach(reader -> reader.send(body, 0, bytes.length));
        for (EpollConnections.Connection reader : readers) {
            await().until(reader::transferWaiting);
        }

        body.release(); // the index lets go while six transfers are under way

        ExecutorService pool = Executors.newFixedThreadPool(readers.size());
        try {
            List<Future<byte[]>> reads = readers.stream().map(reader -> pool.submit(() -> reader.read(bytes.length))).toList();
            for (Future<byte[]> read : reads) {
                assertArrayEquals(bytes, read.get());
            }
        } finally {
            pool.shutdown();
        }
        await().untilAsserted(() -> assertEquals(0, store.bytesHeld(), "the pipes closed when the last transfer ended"));
        for (EpollConnections.Connection reader : readers) {
            reader.close();
        }
        await().untilAsserted(() -> assertEquals(6 * 2L, pipeDescriptorsOpenedSince(before), "only the scratch pipes remain"));
    }

    @Test
    void withEveryScratchPipeInUseAHitIsCopiedOut() throws Exception {
        PipeBodyStore store = store(64L * MIB, MIB, 1, 100);
        byte[] bytes = random(4 * MIB);
        StoredBody body = stored(store, bytes, 65536);
        try (EpollConnections.Connection first = connections.connect(4096);
                EpollConnections.Connection second = connections.connect(0)) {
            first.send(body, 0, bytes.length);
            await().until(first::transferWaiting); // holds the only scratch pipe
            second.send(body, 0, bytes.length);
            assertArrayEquals(bytes, second.read(bytes.length));
            assertArrayEquals(bytes, first.read(bytes.length));
        }
        assertEquals(1, store.copiedTransfers());
        body.release();
    }

    @Test
    void theMemoryBudgetRefusesBodiesAndTakesThemAgainOnceFreed() throws Exception {
        PipeBodyStore store = store(2L * MIB, MIB, 1, 100);
        StoredBody first = stored(store, random(MIB), 65536);
        StoredBody second = stored(store, random(MIB - 4096), 65536);
        assertNull(store.tryOpen(4096), "two MiB of pipes taken");
        assertEquals(1, store.refused());

        PlacedBodyStore placed = new PlacedBodyStore(new DirectBodyStore(), Optional.of(store), 0, Long.MAX_VALUE);
        BodyWriter fallback = placed.open(4096);
        writeInPieces(fallback, random(4096), 4096);
        StoredBody direct = fallback.finish();
        assertFalse(direct instanceof PipedBody, "went to direct memory");
        assertEquals(1L, placed.counters().get("direct_bodies"));
        assertEquals(2L, placed.counters().get("pipe_refused"));
        direct.release();

        first.release();
        BodyWriter again = store.tryOpen(MIB);
        assertNotNull(again, "room again");
        again.abandon();
        second.release();
    }

    @Test
    void theDescriptorBudgetRefusesBodiesThatWouldExceedIt() throws Exception {
        // 1 for the store itself (/dev/null); a 4 MiB body in 1 MiB pipes needs 8 while it is filled.
        PipeBodyStore store = store(64L * MIB, MIB, 1, 1 + 8);
        BodyWriter writer = store.tryOpen(4L * MIB);
        assertNotNull(writer);
        assertNull(store.tryOpen(4096), "no descriptor left while the first fills");
        writeInPieces(writer, random(4 * MIB), 65536);
        StoredBody body = writer.finish(); // write ends closed: 4 descriptors back
        BodyWriter again = store.tryOpen(4096);
        assertNotNull(again, "room again");
        again.abandon();
        assertNull(store.tryOpen(3L * MIB), "six more would be needed");
        body.release();
    }

    @Test
    void theBandDecidesWhichBodiesGoToPipes() throws Exception {
        PipeBodyStore pipes = store(64L * MIB, MIB, 1, 100);
        PlacedBodyStore placed = new PlacedBodyStore(new DirectBodyStore(), Optional.of(pipes), 4096, MIB);
        List<StoredBody> bodies = new ArrayList<>();
        for (long length : new long[] {4095, 4096, MIB, MIB + 1, -1}) {
            BodyWriter writer = placed.open(length);
            writeInPieces(writer, random((int) Math.max(length, 10)), 4096);
            bodies.add(writer.finish());
        }
        assertEquals(List.of(false, true, true, false, false), bodies.stream().map(PipedBody.class::isInstance).toList());
        assertEquals(2L, placed.counters().get("pipe_bodies"));
        assertEquals(3L, placed.counters().get("direct_bodies"));
        assertEquals(placed.bytesHeld(), 4095 + 4096 + MIB + MIB + 1 + 10);
        bodies.forEach(StoredBody::release);
        assertEquals(0, placed.bytesHeld());
    }

    @Test
    void aBodyLongerThanItsLengthIsAbandonedAndFreed() throws Exception {
        PipeBodyStore store = store(64L * MIB, MIB, 1, 100);
        long descriptors = store.descriptorsHeld();
        BodyWriter writer = store.tryOpen(10_000);
        ByteBuf chunk = Unpooled.wrappedBuffer(random(6000)); // a heap buffer: copied to direct memory first
        assertTrue(writer.write(chunk));
        assertFalse(writer.write(chunk.resetReaderIndex()), "12000 bytes of a 10000-byte body");
        assertEquals(0, store.bytesHeld());
        assertEquals(0, store.pagesHeld());
        assertEquals(descriptors, store.descriptorsHeld());
        writer.abandon(); // harmless twice
    }

    @Test
    void pipeSizesTheKernelCannotGiveAreRefusedUpFront() {
        IllegalArgumentException notPowerOfTwo = assertThrows(IllegalArgumentException.class,
                () -> new PipeBodyStore(splice, limits, MIB, 3 * 4096, 1, 100));
        assertTrue(notPowerOfTwo.getMessage().contains("power-of-two"), notPowerOfTwo.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new PipeBodyStore(splice, limits, MIB, (int) limits.maxPipeBytes() * 2, 1, 100));
    }

    @Test
    void aReleasedBodyCannotBeWritten() throws Exception {
        PipeBodyStore store = store(64L * MIB, 64 * 1024, 1, 100);
        StoredBody body = stored(store, random(100_000), 4096);
        body.release();
        assertThrows(IllegalReferenceCountException.class, () -> PendingTransfer.of(body, 0, 10),
                "never a read from descriptors that are closed, or worse, reused");
    }

    static StoredBody stored(PipeBodyStore store, byte[] bytes, int piece) {
        BodyWriter writer = store.tryOpen(bytes.length);
        assertNotNull(writer, "the store took the body");
        writeInPieces(writer, bytes, piece);
        return writer.finish();
    }

    static void writeInPieces(BodyWriter writer, byte[] bytes, int piece) {
        for (int at = 0; at < bytes.length; at += piece) {
            int n = Math.min(piece, bytes.length - at);
            ByteBuf chunk = Unpooled.directBuffer(n).writeBytes(bytes, at, n);
            assertTrue(writer.write(chunk));
            chunk.release();
        }
    }

    static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** The pipes this process has open, by inode ("pipe:[12345]"). */
    static Set<String> pipesOpen() throws IOException {
        Set<String> pipes = new HashSet<>();
        for (Path fd : descriptors()) {
            String target = target(fd);
            if (target.startsWith("pipe:")) {
                pipes.add(target);
            }
        }
        return pipes;
    }

    /**
     * Descriptors open now on pipes that were not open at {@code before}: by inode, not by
     * number, so that descriptors other tests' processes close meanwhile (a Squid's stdin, say),
     * and numbers reused since, count for nothing.
     */
    static long pipeDescriptorsOpenedSince(Set<String> before) throws IOException {
        long opened = 0;
        for (Path fd : descriptors()) {
            String target = target(fd);
            if (target.startsWith("pipe:") && !before.contains(target)) {
                opened++;
            }
        }
        return opened;
    }

    private static List<Path> descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.toList();
        }
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed meanwhile (the directory stream's own, among others)
        }
    }

    static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the directory stream's own
        }
    }
}
