package sibyl.icp.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds ICP datagrams byte by byte, well-formed or not, without going through {@link IcpCodec}:
 * the header fields as given, then the payload; the message length field is the datagram's size
 * unless {@link #lengthField} says otherwise.
 */
public final class RawDatagram {
    /** The 4-byte requester host address of a query, left 0 as Squid does. */
    public static final byte[] NO_REQUESTER = new byte[4];

    private final int opcode;
    private int version = IcpCodec.VERSION_2;
    private Integer lengthField;
    private int requestNumber;
    private int options;
    private int optionData;
    private int senderHostAddress;
    private final ByteArrayOutputStream payload = new ByteArrayOutputStream();

    private RawDatagram(int opcode) {
        this.opcode = opcode;
    }

    /** A datagram with this opcode byte, version 2, request number 0 and no payload yet. */
    public static RawDatagram opcode(int opcode) {
        return new RawDatagram(opcode);
    }

    public static RawDatagram opcode(IcpOpcode opcode) {
        return new RawDatagram(opcode.code());
    }

    /** A query for the URL bytes {@code url}: requester address 0, the URL, NUL. */
    public static RawDatagram query(byte[] url) {
        return opcode(IcpOpcode.QUERY).payload(NO_REQUESTER, url, new byte[] {0});
    }

    public static RawDatagram query(String url) {
        return query(ascii(url));
    }

    /** A reply-shaped message (no requester address): the URL bytes, NUL. */
    public static RawDatagram reply(IcpOpcode opcode, byte[] url) {
        return opcode(opcode).payload(url, new byte[] {0});
    }

    public RawDatagram version(int version) {
        this.version = version;
        return this;
    }

    public RawDatagram requestNumber(int requestNumber) {
        this.requestNumber = requestNumber;
        return this;
    }

    public RawDatagram options(int options) {
        this.options = options;
        return this;
    }

    public RawDatagram optionData(int optionData) {
        this.optionData = optionData;
        return this;
    }

    public RawDatagram senderHostAddress(int senderHostAddress) {
        this.senderHostAddress = senderHostAddress;
        return this;
    }

    /** Sets the 16-bit message length field to {@code length} instead of the datagram's size. */
    public RawDatagram lengthField(int length) {
        this.lengthField = length;
        return this;
    }

    /** Appends bytes to the payload. */
    public RawDatagram payload(byte[]... parts) {
        for (byte[] part : parts) {
            payload.writeBytes(part);
        }
        return this;
    }

    public byte[] bytes() {
        int size = IcpCodec.HEADER_LENGTH + payload.size();
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) opcode);
        out.put((byte) version);
        out.putShort((short) (lengthField != null ? lengthField : size));
        out.putInt(requestNumber);
        out.putInt(options);
        out.putInt(optionData);
        out.putInt(senderHostAddress);
        out.put(payload.toByteArray());
        return out.array();
    }

    public ByteBuf buf() {
        return Unpooled.wrappedBuffer(bytes());
    }

    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code count} copies of {@code b}. */
    public static byte[] repeat(byte b, int count) {
        byte[] bytes = new byte[count];
        java.util.Arrays.fill(bytes, b);
        return bytes;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** {@code bytes} without the last {@code count} bytes. */
    public static byte[] dropLast(byte[] bytes, int count) {
        return java.util.Arrays.copyOf(bytes, bytes.length - count);
    }

    /** The URL bytes of a reply-shaped datagram, without the terminating NUL. */
    public static String replyUrl(byte[] reply) {
        return new String(reply, IcpCodec.HEADER_LENGTH, reply.length - IcpCodec.HEADER_LENGTH - 1,
                StandardCharsets.ISO_8859_1);
    }
}
