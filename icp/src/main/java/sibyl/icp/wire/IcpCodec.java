package sibyl.icp.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes RFC 2186 datagrams.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+-------------------------------+
 * |    Opcode     |    Version    |        Message Length         |
 * |                        Request Number                         |
 * |                            Options                            |
 * |                          Option Data                          |
 * |                      Sender Host Address                      |
 * |  Payload: [Requester Host Address (queries)] URL NUL          |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>{@link #validate} and {@link #writeReply} work on the datagram in place and allocate nothing:
 * they are the server's per-query path. All methods read from the buffer's reader index without
 * moving it.
 */
public final class IcpCodec {
    public static final int HEADER_LENGTH = 20;
    public static final int MAX_LENGTH = 16384;
    public static final int VERSION_2 = 2;
    public static final int VERSION_3 = 3;

    /** Asks for the object in a HIT_OBJ reply; Sibyl never sends HIT_OBJ, so replies clear it. */
    public static final int FLAG_HIT_OBJ = 0x8000_0000;
    /**
     * Asks the replier for its round-trip time to the origin in the option data. Sibyl measures no
     * origin RTTs (the ICP path makes no network calls), so replies clear it rather than send a
     * made-up figure that Squid's source-ping logic would trust.
     */
    public static final int FLAG_SRC_RTT = 0x4000_0000;

    static final int OPCODE = 0;
    static final int VERSION = 1;
    static final int LENGTH = 2;
    static final int REQUEST_NUMBER = 4;
    static final int OPTIONS = 8;
    static final int OPTION_DATA = 12;
    static final int SENDER_HOST_ADDRESS = 16;
    static final int REQUESTER_HOST_ADDRESS = 20;

    /** Stops at the first byte that may not appear in a URL: controls, space, DEL and non-ASCII. */
    private static final ByteProcessor FIND_NON_URL_BYTE = b -> b > 0x20 && b < 0x7f;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private IcpCodec() {}

    /**
     * Why {@code datagram} is not a well-formed ICP message, or {@code null} if it is. Queries and
     * replies are both accepted here; whether a server answers a reply is the server's business.
     */
    public static Rejection validate(ByteBuf datagram) {
        int base = datagram.readerIndex();
        int size = datagram.readableBytes();
        if (size < HEADER_LENGTH) {
            return Rejection.TOO_SHORT;
        }
        IcpOpcode opcode = IcpOpcode.of(datagram.getUnsignedByte(base + OPCODE));
        if (opcode == null) {
            return Rejection.UNKNOWN_OPCODE;
        }
        if (opcode == IcpOpcode.INVALID) {
            return Rejection.INVALID_OPCODE;
        }
        int version = datagram.getUnsignedByte(base + VERSION);
        if (version != VERSION_2 && version != VERSION_3) {
            return Rejection.UNKNOWN_VERSION;
        }
        if (size > MAX_LENGTH) {
            return Rejection.TOO_LONG;
        }
        if (datagram.getUnsignedShort(base + LENGTH) != size) {
            return Rejection.LENGTH_MISMATCH;
        }
        int urlStart = base + urlOffset(opcode);
        int end = base + size;
        if (opcode == IcpOpcode.HIT_OBJ) {
            // URL NUL, then the object: the URL ends at the first NUL, not at the datagram's end.
            int nul = urlStart < end ? datagram.indexOf(urlStart, end, (byte) 0) : -1;
            return nul < 0 ? Rejection.URL_NOT_TERMINATED : validateUrl(datagram, urlStart, nul, false);
        }
        if (end - urlStart < 1 || datagram.getByte(end - 1) != 0) {
            return Rejection.URL_NOT_TERMINATED;
        }
        return validateUrl(datagram, urlStart, end - 1, opcode == IcpOpcode.ERR);
    }

    private static Rejection validateUrl(ByteBuf datagram, int start, int end, boolean errReply) {
        if (errReply) {
            // An ERR echoes whatever the querier sent, escaped or not: only its framing matters.
            return null;
        }
        if (start == end) {
            return Rejection.URL_EMPTY;
        }
        int bad = datagram.forEachByte(start, end - start, FIND_NON_URL_BYTE);
        if (bad >= 0) {
            byte b = datagram.getByte(bad);
            if (b == 0) {
                return Rejection.URL_EMBEDDED_NUL;
            }
            return b < 0 ? Rejection.URL_NOT_ASCII : Rejection.URL_WHITESPACE;
        }
        return hasScheme(datagram, start, end) ? null : Rejection.URL_NOT_ABSOLUTE;
    }

    /** RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":". */
    private static boolean hasScheme(ByteBuf datagram, int start, int end) {
        if (!isAlpha(datagram.getByte(start))) {
            return false;
        }
        for (int i = start + 1; i < end; i++) {
            byte b = datagram.getByte(i);
            if (b == ':') {
                return true;
            }
            if (!isAlpha(b) && !(b >= '0' && b <= '9') && b != '+' && b != '-' && b != '.') {
                return false;
            }
        }
        return false;
    }

    private static boolean isAlpha(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    /** Where the URL starts, relative to the message start, for a message with this opcode. */
    public static int urlOffset(IcpOpcode opcode) {
        return opcode.carriesRequesterAddress() ? REQUESTER_HOST_ADDRESS + 4 : HEADER_LENGTH;
    }

    /** The opcode of a datagram at least {@link #HEADER_LENGTH} long, or {@code null} if unknown. */
    public static IcpOpcode opcode(ByteBuf datagram) {
        return IcpOpcode.of(datagram.getUnsignedByte(datagram.readerIndex() + OPCODE));
    }

    public static int version(ByteBuf datagram) {
        return datagram.getUnsignedByte(datagram.readerIndex() + VERSION);
    }

    public static int requestNumber(ByteBuf datagram) {
        return datagram.getInt(datagram.readerIndex() + REQUEST_NUMBER);
    }

    public static int options(ByteBuf datagram) {
        return datagram.getInt(datagram.readerIndex() + OPTIONS);
    }

    public static int optionData(ByteBuf datagram) {
        return datagram.getInt(datagram.readerIndex() + OPTION_DATA);
    }

    public static int senderHostAddress(ByteBuf datagram) {
        return datagram.getInt(datagram.readerIndex() + SENDER_HOST_ADDRESS);
    }

    /** The requester host address of a validated query-shaped datagram. */
    public static int requesterHostAddress(ByteBuf datagram) {
        return datagram.getInt(datagram.readerIndex() + REQUESTER_HOST_ADDRESS);
    }

    /** The URL of a validated query-shaped datagram, as a string. */
    public static String queryUrl(ByteBuf datagram) {
        int start = datagram.readerIndex() + REQUESTER_HOST_ADDRESS + 4;
        int length = datagram.writerIndex() - 1 - start;
        return datagram.toString(start, length, StandardCharsets.US_ASCII);
    }

    /** Decodes a datagram into a message, or says why it cannot. HIT_OBJ's object is skipped. */
    public static IcpMessage decode(ByteBuf datagram) throws IcpFormatException {
        Rejection rejection = validate(datagram);
        if (rejection != null) {
            throw new IcpFormatException(rejection);
        }
        int base = datagram.readerIndex();
        IcpOpcode opcode = opcode(datagram);
        int urlStart = base + urlOffset(opcode);
        int urlEnd = datagram.indexOf(urlStart, datagram.writerIndex(), (byte) 0);
        // An ERR may echo any bytes; every other URL was checked to be printable ASCII.
        String url = opcode == IcpOpcode.ERR
                ? escapedUrl(datagram, urlStart, urlEnd, false, MAX_LENGTH)
                : datagram.toString(urlStart, urlEnd - urlStart, StandardCharsets.US_ASCII);
        return new IcpMessage(
                opcode,
                version(datagram),
                requestNumber(datagram),
                options(datagram),
                optionData(datagram),
                senderHostAddress(datagram),
                opcode.carriesRequesterAddress() ? requesterHostAddress(datagram) : 0,
                url);
    }

    /**
     * The bytes from {@code start} to {@code end} as printable ASCII, each other byte
     * percent-escaped, cut at {@code maxLength}. Escaping {@code %} too makes the result
     * unambiguous, as Squid's rfc1738_escape does for the URLs of its ERR replies; reading an ERR
     * that was already escaped so must keep its {@code %}.
     */
    private static String escapedUrl(ByteBuf datagram, int start, int end, boolean escapePercent, int maxLength) {
        StringBuilder url = new StringBuilder(Math.max(0, end - start));
        for (int i = start; i < end; i++) {
            int b = datagram.getUnsignedByte(i);
            boolean plain = b > 0x20 && b < 0x7f && !(escapePercent && b == '%');
            if (url.length() + (plain ? 1 : 3) > maxLength) {
                break;
            }
            if (plain) {
                url.append((char) b);
            } else {
                url.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
            }
        }
        return url.toString();
    }

    /** Writes {@code message} at the writer index of {@code out}. HIT_OBJ is never sent. */
    public static void encode(IcpMessage message, ByteBuf out) {
        if (message.opcode() == IcpOpcode.HIT_OBJ) {
            throw new IllegalArgumentException("Sibyl does not send ICP_OP_HIT_OBJ");
        }
        out.writeByte(message.opcode().code());
        out.writeByte(message.version());
        out.writeShort(message.encodedLength());
        out.writeInt(message.requestNumber());
        out.writeInt(message.options());
        out.writeInt(message.optionData());
        out.writeInt(message.senderHostAddress());
        if (message.opcode().carriesRequesterAddress()) {
            out.writeInt(message.requesterHostAddress());
        }
        out.writeCharSequence(message.url(), StandardCharsets.US_ASCII);
        out.writeByte(0);
    }

    /** The encoded form of {@code message} as a new array. */
    public static byte[] toBytes(IcpMessage message) {
        byte[] bytes = new byte[message.encodedLength()];
        ByteBuf out = io.netty.buffer.Unpooled.wrappedBuffer(bytes);
        out.writerIndex(0);
        encode(message, out);
        return bytes;
    }

    /** The most {@link #writeError} writes for {@code rejected}: its URL, each byte escaped. */
    public static int errorLength(ByteBuf rejected) {
        return Math.min(MAX_LENGTH, HEADER_LENGTH + 3 * Math.max(0, rejected.readableBytes() - HEADER_LENGTH) + 1);
    }

    /** The length of the reply {@link #writeReply} makes for a validated query. */
    public static int replyLength(ByteBuf query) {
        return query.readableBytes() - 4;
    }

    /**
     * Writes the reply {@code opcode} to a validated query: its version and request number, no
     * options, and its URL copied byte for byte (so Squid's key lookup on the URL matches).
     */
    public static void writeReply(ByteBuf query, IcpOpcode opcode, ByteBuf out) {
        int base = query.readerIndex();
        int urlAndNul = query.readableBytes() - (REQUESTER_HOST_ADDRESS + 4);
        out.writeByte(opcode.code());
        out.writeByte(query.getUnsignedByte(base + VERSION));
        out.writeShort(HEADER_LENGTH + urlAndNul);
        out.writeInt(query.getInt(base + REQUEST_NUMBER));
        out.writeLong(0); // options and option data: see FLAG_HIT_OBJ and FLAG_SRC_RTT
        out.writeInt(0); // sender host address: unused, and the UDP source says it better
        out.writeBytes(query, base + REQUESTER_HOST_ADDRESS + 4, urlAndNul);
    }

    /**
     * Writes the ICP_OP_ERR reply to a datagram rejected with {@link Rejection.Disposition#ERR}:
     * its request number, its version (2 if that was the problem), and as URL what could be read
     * of the query's URL, percent-escaped where it is not printable ASCII, as Squid does.
     */
    public static void writeError(ByteBuf rejected, ByteBuf out) {
        int base = rejected.readerIndex();
        int version = version(rejected);
        int start = out.writerIndex();
        out.writeByte(IcpOpcode.ERR.code());
        out.writeByte(version == VERSION_3 ? VERSION_3 : VERSION_2);
        out.writeShort(0); // patched below, once the escaped URL's length is known
        out.writeInt(requestNumber(rejected));
        out.writeLong(0);
        out.writeInt(0);
        if (opcode(rejected) == IcpOpcode.QUERY) {
            int urlStart = base + REQUESTER_HOST_ADDRESS + 4;
            int urlEnd = Math.min(rejected.writerIndex(), base + MAX_LENGTH);
            if (urlEnd > urlStart && rejected.getByte(urlEnd - 1) == 0) {
                urlEnd--;
            }
            out.writeCharSequence(escapedUrl(rejected, urlStart, urlEnd, true, MAX_LENGTH - HEADER_LENGTH - 1),
                    StandardCharsets.US_ASCII);
        }
        out.writeByte(0);
        out.setShort(start + LENGTH, out.writerIndex() - start);
    }
}
