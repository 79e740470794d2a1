package sibyl.icp.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tables must be those zc.icp's {@code format_datagram} prints in its README (the seed). */
class IcpDatagramTableTest {

    private static String lines(String... lines) {
        return String.join(System.lineSeparator(), lines);
    }

    @Test
    void seedQueryTable() {
        String expected = lines(
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|  ICP_OP_QUERY |   Version: 2  |     Message Length: 44        |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Request Number: DEADBEEF                   |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Options: 0                                 |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Option Data: 0                             |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Sender Host Address: 0                     |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                                                               |",
                "|    Payload: \\x00\\x00\\x00\\x00http://example.com/\\x00           |",
                "|                                                               |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+");

        assertEquals(expected, IcpDatagramTable.format(IcpCodecTest.SEED_QUERY));
    }

    @Test
    void seedMissReplyTable() {
        String expected = lines(
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|  ICP_OP_MISS  |   Version: 2  |     Message Length: 40        |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Request Number: DEADBEEF                   |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Options: 0                                 |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Option Data: 0                             |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Sender Host Address: 0                     |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                                                               |",
                "|    Payload: http://example.com/\\x00                           |",
                "|                                                               |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+");

        assertEquals(expected, IcpDatagramTable.format(IcpCodecTest.SEED_MISS_REPLY));
    }

    @Test
    void seedFooQueryTable() {
        String expected = lines(
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|  ICP_OP_QUERY |   Version: 2  |     Message Length: 47        |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Request Number: DEADBEEF                   |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Options: 0                                 |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Option Data: 0                             |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Sender Host Address: 0                     |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                                                               |",
                "|    Payload: \\x00\\x00\\x00\\x00http://example.com/foo\\x00        |",
                "|                                                               |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+");

        assertEquals(expected, IcpDatagramTable.format(
                IcpCodec.toBytes(IcpMessage.query(2, 0xDEADBEEF, "http://example.com/foo"))));
    }

    @Test
    void seedHitReplyTableForFoo() {
        String expected = lines(
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|  ICP_OP_HIT   |   Version: 2  |     Message Length: 43        |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Request Number: DEADBEEF                   |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Options: 0                                 |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Option Data: 0                             |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                    Sender Host Address: 0                     |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+",
                "|                                                               |",
                "|    Payload: http://example.com/foo\\x00                        |",
                "|                                                               |",
                "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+");
        io.netty.buffer.ByteBuf reply = io.netty.buffer.Unpooled.buffer();
        IcpCodec.writeReply(RawDatagram.query("http://example.com/foo").requestNumber(0xDEADBEEF).buf(), IcpOpcode.HIT, reply);

        assertEquals(expected, IcpDatagramTable.format(io.netty.buffer.ByteBufUtil.getBytes(reply)));
    }

    @Test
    void datagramShorterThanAHeaderIsShownAsEscapedBytes() {
        byte[] datagram = {1, 2, 0, 'a', '\\', '\t', (byte) 0xff};

        assertEquals("(7 bytes, too short for an ICP header: \\x01\\x02\\x00a\\\\\\t\\xff)", IcpDatagramTable.format(datagram));
    }

    @Test
    void emptyDatagramIsTooShort() {
        assertEquals("(0 bytes, too short for an ICP header: )", IcpDatagramTable.format(new byte[0]));
    }

    @Test
    void unknownOpcodeAndSenderAddressAreShown() {
        byte[] datagram = RawDatagram.opcode(7).requestNumber(1).senderHostAddress(0xC0000201).payload(new byte[] {0}).bytes();

        String table = IcpDatagramTable.format(datagram);

        assertTrue(table.contains("|  ICP_OP_7?    |"), table);
        assertTrue(table.contains("Sender Host Address: 192.0.2.1 "), table);
    }
}
