package sibyl.icp.wire;

import io.netty.buffer.Unpooled;

/**
 * Draws a datagram as the table zc.icp's {@code format_datagram} prints: the header as in RFC
 * 2186's figure, then the payload with non-printable bytes escaped as Python's {@code repr} does.
 * Wide values overflow their cell, as they do in zc.icp.
 */
public final class IcpDatagramTable {
    private static final String RULE = "+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+";
    private static final String BLANK = "|                                                               |";

    private IcpDatagramTable() {}

    /** The table for {@code datagram}; one too short for a header is shown as hex instead. */
    public static String format(byte[] datagram) {
        if (datagram.length < IcpCodec.HEADER_LENGTH) {
            return "(" + datagram.length + " bytes, too short for an ICP header: " + escape(datagram, 0) + ")";
        }
        var buf = Unpooled.wrappedBuffer(datagram);
        int opcodeCode = buf.getUnsignedByte(IcpCodec.OPCODE);
        IcpOpcode opcode = IcpOpcode.of(opcodeCode);
        String opcodeName = opcode != null ? opcode.rfcName() : "ICP_OP_" + opcodeCode + "?";
        int sender = IcpCodec.senderHostAddress(buf);
        String n = System.lineSeparator();
        return RULE + n
                + String.format("|  %-13s|   Version: %-3s|     Message Length: %-10s|", opcodeName,
                        buf.getUnsignedByte(IcpCodec.VERSION), buf.getUnsignedShort(IcpCodec.LENGTH)) + n
                + RULE + n
                + String.format("|                    Request Number: %-27X|", IcpCodec.requestNumber(buf)) + n
                + RULE + n
                + String.format("|                    Options: %-34X|", IcpCodec.options(buf)) + n
                + RULE + n
                + String.format("|                    Option Data: %-30X|", IcpCodec.optionData(buf)) + n
                + RULE + n
                + String.format("|                    Sender Host Address: %-22s|", dottedQuad(sender)) + n
                + RULE + n
                + BLANK + n
                + String.format("|    Payload: %-50s|", escape(datagram, IcpCodec.HEADER_LENGTH)) + n
                + BLANK + n
                + RULE;
    }

    private static String dottedQuad(int address) {
        if (address == 0) {
            return "0";
        }
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    private static String escape(byte[] bytes, int from) {
        var out = new StringBuilder(bytes.length * 2);
        for (int i = from; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        out.append((char) b);
                    } else {
                        out.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return out.toString();
    }
}
