package sibyl.node.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DirectBodyStoreTest {
    private final DirectBodyStore store = new DirectBodyStore();

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, DirectBodyStore.CHUNK - 1, DirectBodyStore.CHUNK, DirectBodyStore.CHUNK + 1,
            (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (16 << 20) + 3})
    void bodiesComeBackByteExactWhateverTheWriteSizes(int size) {
        byte[] bytes = random(size);
        for (long expected : new long[] {size, -1}) {
            BodyWriter writer = store.open(expected);
            writeInPieces(writer, bytes, 7919);
            StoredBody body = writer.finish();

            assertEquals(size, body.length());
            assertArrayEquals(bytes, read(body, 0, size));
            body.release();
            assertEquals(0, store.bytesHeld(), "everything freed");
        }
    }

    @Test
    void rangesAreSlicesOfTheBody() {
        byte[] bytes = random(3 * DirectBodyStore.CHUNK + 11);
        StoredBody body = stored(bytes);

        int from = DirectBodyStore.CHUNK - 5;
        byte[] expected = java.util.Arrays.copyOfRange(bytes, from, from + 100_000);
        assertArrayEquals(expected, read(body, from, 100_000));
        assertThrows(IndexOutOfBoundsException.class, () -> PendingTransfer.of(body, bytes.length - 1, 2));
        body.release();
    }

    @Test
    void aRangeBeingWrittenOutlivesTheBodysLastReference() {
        byte[] bytes = random(100_000);
        StoredBody body = stored(bytes);
        PendingTransfer inFlight = PendingTransfer.of(body, 0, bytes.length);

        body.release(); // evicted while it is being sent

        assertEquals(0, body.refCnt());
        assertArrayEquals(bytes, inFlight.complete(), "the transfer still reads every byte");
    }

    @Test
    void anAbandonedBodyFreesWhatWasWritten() {
        BodyWriter writer = store.open(1_000_000);
        writer.write(Unpooled.wrappedBuffer(random(300_000)));
        assertEquals(300_000, store.bytesHeld());

        writer.abandon();
        writer.abandon();

        assertEquals(0, store.bytesHeld());
        assertThrows(IllegalStateException.class, writer::finish);
    }

    @Test
    void fillsInFlightAreBoundedAndGiveTheirShareBackOnceStoredOrAbandoned() {
        DirectBodyStore bounded = new DirectBodyStore(1_000_000);
        BodyWriter first = bounded.open(600_000);
        assertTrue(first.write(Unpooled.wrappedBuffer(random(1000))));
        assertEquals(600_000, bounded.bytesFilling(), "a declared length is allocated, and reserved, whole");

        BodyWriter second = bounded.open(600_000);
        assertFalse(second.write(Unpooled.wrappedBuffer(random(1000))), "no room beside the first");
        assertEquals(1, bounded.fillsRefused());
        assertEquals(600_000, bounded.bytesFilling());

        BodyWriter chunked = bounded.open(-1);
        assertTrue(chunked.write(Unpooled.wrappedBuffer(random(100_000)))); // buffers of 64 + 128 KiB
        assertFalse(chunked.write(Unpooled.wrappedBuffer(random(300_000))), "a chunked body grows into the bound");
        assertEquals(600_000, bounded.bytesFilling());

        first.write(Unpooled.wrappedBuffer(random(599_000)));
        StoredBody body = first.finish();
        assertEquals(0, bounded.bytesFilling(), "a stored body counts in the index, not here");
        assertEquals(600_000, bounded.bytesHeld());
        BodyWriter third = bounded.open(900_000);
        assertTrue(third.write(Unpooled.wrappedBuffer(random(10))));
        third.abandon();
        assertEquals(0, bounded.bytesFilling());
        body.release();
        assertEquals(0, bounded.bytesHeld());
    }

    @Test
    void writingLeavesTheCallersBufferAsItWas() {
        ByteBuf chunk = Unpooled.wrappedBuffer(random(10));
        BodyWriter writer = store.open(-1);

        writer.write(chunk);

        assertEquals(0, chunk.readerIndex());
        assertEquals(1, chunk.refCnt());
        writer.finish().release();
    }

    private StoredBody stored(byte[] bytes) {
        BodyWriter writer = store.open(bytes.length);
        writer.write(Unpooled.wrappedBuffer(bytes));
        return writer.finish();
    }

    private static void writeInPieces(BodyWriter writer, byte[] bytes, int piece) {
        for (int at = 0; at < bytes.length; at += piece) {
            writer.write(Unpooled.wrappedBuffer(bytes, at, Math.min(piece, bytes.length - at)));
        }
    }

    private static byte[] read(StoredBody body, long offset, int length) {
        return PendingTransfer.of(body, offset, length).complete();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
