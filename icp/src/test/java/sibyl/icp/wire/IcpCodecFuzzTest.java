package sibyl.icp.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.BeforeAll;
import sibyl.icp.policy.IcpVerdict;

/**
 * Fuzzes the codec with arbitrary datagrams.
 *
 * <p>Under plain {@code mvn test} Jazzer runs this in regression mode: the empty input and the
 * inputs in {@code src/test/resources/sibyl/icp/wire/IcpCodecFuzzTestInputs/codecHandlesAnyDatagram/}.
 * It fuzzes for real when the {@code JAZZER_FUZZ} environment variable or system property is set,
 * for {@code sibyl.fuzz.seconds} seconds (see {@link FuzzDuration#boundBySibylFuzzSeconds}).
 *
 * <p>One fuzz test per class: Jazzer fuzzes only one test per JVM.
 */
class IcpCodecFuzzTest {

    @BeforeAll
    static void boundFuzzingTime() {
        FuzzDuration.boundBySibylFuzzSeconds();
    }

    @FuzzTest(maxDuration = "20s")
    void codecHandlesAnyDatagram(byte[] bytes) throws Exception {
        ByteBuf datagram = Unpooled.wrappedBuffer(bytes);
        Rejection rejection = IcpCodec.validate(datagram);
        if (rejection == null) {
            accepted(datagram);
        } else {
            rejected(datagram, rejection);
        }
        assertEquals(0, datagram.readerIndex(), "the codec never moves the reader index");
    }

    private static void accepted(ByteBuf datagram) throws IcpFormatException {
        IcpMessage message = IcpCodec.decode(datagram); // must succeed: validate said yes
        if (message.opcode() != IcpOpcode.HIT_OBJ) {
            byte[] again = IcpCodec.toBytes(message);
            assertNull(IcpCodec.validate(Unpooled.wrappedBuffer(again)), () -> "re-encoded " + message);
            assertEquals(message, IcpCodec.decode(Unpooled.wrappedBuffer(again)));
        }
        if (message.opcode() == IcpOpcode.QUERY) {
            for (IcpVerdict verdict : IcpVerdict.values()) {
                ByteBuf reply = Unpooled.buffer();
                IcpCodec.writeReply(datagram, verdict.opcode(), reply);
                assertEquals(IcpCodec.replyLength(datagram), reply.readableBytes());
                assertEquals(IcpMessage.replyTo(message, verdict.opcode()), IcpCodec.decode(reply));
            }
            assertErrorReplyIsWellFormed(datagram);
        }
    }

    private static void rejected(ByteBuf datagram, Rejection rejection) {
        try {
            IcpCodec.decode(datagram);
            throw new AssertionError("decode accepted what validate rejected: " + rejection);
        } catch (IcpFormatException e) {
            assertEquals(rejection, e.rejection());
        }
        if (rejection.disposition() == Rejection.Disposition.ERR) {
            assertErrorReplyIsWellFormed(datagram);
        }
    }

    private static void assertErrorReplyIsWellFormed(ByteBuf datagram) {
        ByteBuf reply = Unpooled.buffer();
        IcpCodec.writeError(datagram, reply);
        assertNull(IcpCodec.validate(reply), () -> "ERR reply " + ByteBufUtil.hexDump(reply));
        assertTrue(reply.readableBytes() <= IcpCodec.MAX_LENGTH);
        assertEquals(IcpOpcode.ERR, IcpCodec.opcode(reply));
        assertEquals(IcpCodec.requestNumber(datagram), IcpCodec.requestNumber(reply));
        int version = IcpCodec.version(datagram);
        assertEquals(version == IcpCodec.VERSION_3 ? IcpCodec.VERSION_3 : IcpCodec.VERSION_2, IcpCodec.version(reply));
    }
}
