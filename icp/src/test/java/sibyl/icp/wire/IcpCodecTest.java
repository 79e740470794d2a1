package sibyl.icp.wire;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sibyl.icp.wire.RawDatagram.ascii;
import static sibyl.icp.wire.RawDatagram.concat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class IcpCodecTest {

    /** zc.icp's example query: http://example.com/ with request number 0xDEADBEEF, 44 bytes. */
    static final byte[] SEED_QUERY = HexFormat.of().parseHex(
            "01" + "02" + "002c" + "deadbeef" + "00000000" + "00000000" + "00000000" + "00000000"
                    + HexFormat.of().formatHex(ascii("http://example.com/")) + "00");

    /** zc.icp's MISS reply to {@link #SEED_QUERY}, 40 bytes: the requester address is gone. */
    static final byte[] SEED_MISS_REPLY = HexFormat.of().parseHex(
            "03" + "02" + "0028" + "deadbeef" + "00000000" + "00000000" + "00000000"
                    + HexFormat.of().formatHex(ascii("http://example.com/")) + "00");

    // ---- round trips -------------------------------------------------------------------------

    static Stream<Arguments> everyDecodableOpcodeInBothVersions() {
        return EnumSet.complementOf(EnumSet.of(IcpOpcode.HIT_OBJ, IcpOpcode.INVALID)).stream()
                .flatMap(opcode -> Stream.of(IcpCodec.VERSION_2, IcpCodec.VERSION_3)
                        .map(version -> Arguments.of(opcode, version)));
    }

    @ParameterizedTest(name = "{0} version {1}")
    @MethodSource("everyDecodableOpcodeInBothVersions")
    void encodeThenDecodeGivesBackTheSameMessage(IcpOpcode opcode, int version) throws Exception {
        IcpMessage message = new IcpMessage(opcode, version, 0xCAFE0001, IcpCodec.FLAG_SRC_RTT, 42, 0x0A000001,
                opcode.carriesRequesterAddress() ? 0xC0000202 : 0, "http://example.com/a?b=c");

        byte[] bytes = IcpCodec.toBytes(message);

        assertEquals(message.encodedLength(), bytes.length);
        assertEquals(message, IcpCodec.decode(Unpooled.wrappedBuffer(bytes)));
    }

    @ParameterizedTest
    @ValueSource(ints = {IcpCodec.VERSION_2, IcpCodec.VERSION_3})
    void invalidOpcodeEncodesButDoesNotDecode(int version) {
        byte[] bytes = IcpCodec.toBytes(new IcpMessage(IcpOpcode.INVALID, version, 1, 0, 0, 0, 0, "http://x/"));

        IcpFormatException e = assertThrows(IcpFormatException.class, () -> IcpCodec.decode(Unpooled.wrappedBuffer(bytes)));
        assertEquals(Rejection.INVALID_OPCODE, e.rejection());
    }

    @Test
    void encodeRefusesHitObj() {
        IcpMessage hitObj = new IcpMessage(IcpOpcode.HIT_OBJ, 2, 1, 0, 0, 0, 0, "http://x/");

        assertThrows(IllegalArgumentException.class, () -> IcpCodec.encode(hitObj, Unpooled.buffer()));
        assertThrows(IllegalArgumentException.class, () -> IcpCodec.toBytes(hitObj));
    }

    @Test
    void encodeWritesAtTheWriterIndex() {
        ByteBuf out = Unpooled.buffer().writeBytes(new byte[] {9, 9, 9});

        IcpCodec.encode(IcpMessage.query(2, 0xDEADBEEF, "http://example.com/"), out);

        assertArrayEquals(concat(new byte[] {9, 9, 9}, SEED_QUERY), ByteBufUtil.getBytes(out));
    }

    // ---- zc.icp's golden bytes ---------------------------------------------------------------

    @Test
    void seedQueryEncodesToTheSeeds44Bytes() {
        byte[] bytes = IcpCodec.toBytes(IcpMessage.query(IcpCodec.VERSION_2, 0xDEADBEEF, "http://example.com/"));

        assertEquals(44, bytes.length);
        assertArrayEquals(SEED_QUERY, bytes);
    }

    @Test
    void seedQueryDecodes() throws Exception {
        IcpMessage message = IcpCodec.decode(Unpooled.wrappedBuffer(SEED_QUERY));

        assertEquals(new IcpMessage(IcpOpcode.QUERY, 2, 0xDEADBEEF, 0, 0, 0, 0, "http://example.com/"), message);
    }

    @Test
    void missReplyToTheSeedQueryIsTheSeeds40Bytes() {
        ByteBuf query = Unpooled.wrappedBuffer(SEED_QUERY);
        assertNull(IcpCodec.validate(query));
        ByteBuf reply = Unpooled.buffer();

        IcpCodec.writeReply(query, IcpOpcode.MISS, reply);

        assertEquals(40, IcpCodec.replyLength(query));
        assertArrayEquals(SEED_MISS_REPLY, ByteBufUtil.getBytes(reply));
    }

    @Test
    void seedMissReplyDecodes() throws Exception {
        assertEquals(new IcpMessage(IcpOpcode.MISS, 2, 0xDEADBEEF, 0, 0, 0, 0, "http://example.com/"),
                IcpCodec.decode(Unpooled.wrappedBuffer(SEED_MISS_REPLY)));
    }

    @Test
    void replyToAMessageValueMatchesTheReplyWrittenInPlace() {
        IcpMessage query = IcpMessage.query(IcpCodec.VERSION_2, 0xDEADBEEF, "http://example.com/");

        assertArrayEquals(SEED_MISS_REPLY, IcpCodec.toBytes(IcpMessage.replyTo(query, IcpOpcode.MISS)));
    }

    @Test
    void codecReadsFromTheReaderIndexWithoutMovingIt() throws Exception {
        ByteBuf datagram = Unpooled.buffer().writeBytes(new byte[] {7, 7, 7, 7, 7}).writeBytes(SEED_QUERY);
        datagram.readerIndex(5);
        ByteBuf reply = Unpooled.buffer();

        assertNull(IcpCodec.validate(datagram));
        IcpMessage message = IcpCodec.decode(datagram);
        IcpCodec.writeReply(datagram, IcpOpcode.MISS, reply);

        assertAll(
                () -> assertEquals("http://example.com/", message.url()),
                () -> assertEquals("http://example.com/", IcpCodec.queryUrl(datagram)),
                () -> assertArrayEquals(SEED_MISS_REPLY, ByteBufUtil.getBytes(reply)),
                () -> assertEquals(5, datagram.readerIndex()));
    }

    // ---- HIT_OBJ -----------------------------------------------------------------------------

    @Test
    void hitObjDecodesItsUrlAndSkipsTheObject() throws Exception {
        byte[] object = {0, 5, 'h', 0, (byte) 0xff, ' ', 'o'}; // 16-bit size, then bytes of any value
        byte[] bytes = RawDatagram.opcode(IcpOpcode.HIT_OBJ).version(2).requestNumber(77)
                .options(IcpCodec.FLAG_HIT_OBJ)
                .payload(ascii("http://example.com/obj"), new byte[] {0}, object)
                .bytes();

        IcpMessage message = IcpCodec.decode(Unpooled.wrappedBuffer(bytes));

        assertEquals(new IcpMessage(IcpOpcode.HIT_OBJ, 2, 77, IcpCodec.FLAG_HIT_OBJ, 0, 0, 0, "http://example.com/obj"),
                message);
    }

    @Test
    void hitObjWithoutAnyNulIsNotTerminated() {
        byte[] bytes = RawDatagram.opcode(IcpOpcode.HIT_OBJ).payload(ascii("http://example.com/obj")).bytes();

        assertEquals(Rejection.URL_NOT_TERMINATED, IcpCodec.validate(Unpooled.wrappedBuffer(bytes)));
    }

    @Test
    void hitObjUrlIsCheckedLikeAnyOther() {
        byte[] bytes = RawDatagram.opcode(IcpOpcode.HIT_OBJ).payload(ascii("http://a b/"), new byte[] {0, 0, 1, 'x'}).bytes();

        assertEquals(Rejection.URL_WHITESPACE, IcpCodec.validate(Unpooled.wrappedBuffer(bytes)));
    }

    // ---- rejections --------------------------------------------------------------------------

    private static final byte[] URL = ascii("http://example.com/x");

    static Stream<Arguments> malformedDatagrams() {
        byte[] good = RawDatagram.query(URL).requestNumber(1).bytes();
        return Stream.of(
                malformed("19 bytes", Rejection.TOO_SHORT, new byte[19]),
                malformed("empty datagram", Rejection.TOO_SHORT, new byte[0]),
                malformed("opcode 0 (INVALID)", Rejection.INVALID_OPCODE, RawDatagram.opcode(0).payload(RawDatagram.NO_REQUESTER, URL, new byte[1]).bytes()),
                malformed("opcode 7", Rejection.UNKNOWN_OPCODE, RawDatagram.opcode(7).payload(RawDatagram.NO_REQUESTER, URL, new byte[1]).bytes()),
                malformed("opcode 200", Rejection.UNKNOWN_OPCODE, RawDatagram.opcode(200).payload(RawDatagram.NO_REQUESTER, URL, new byte[1]).bytes()),
                malformed("opcode 5 (ICP v1 data)", Rejection.UNKNOWN_OPCODE, RawDatagram.opcode(5).payload(URL, new byte[1]).bytes()),
                malformed("version 1", Rejection.UNKNOWN_VERSION, RawDatagram.query(URL).version(1).bytes()),
                malformed("version 4", Rejection.UNKNOWN_VERSION, RawDatagram.query(URL).version(4).bytes()),
                malformed("length field 1 bigger than the datagram", Rejection.LENGTH_MISMATCH, RawDatagram.query(URL).lengthField(good.length + 1).bytes()),
                malformed("length field 1 smaller than the datagram", Rejection.LENGTH_MISMATCH, RawDatagram.query(URL).lengthField(good.length - 1).bytes()),
                malformed("16385 bytes with a matching length field", Rejection.TOO_LONG, RawDatagram.query(RawDatagram.repeat((byte) 'a', 16385 - 25)).bytes()),
                malformed("16385 bytes with a length field of 0", Rejection.TOO_LONG, RawDatagram.query(RawDatagram.repeat((byte) 'a', 16385 - 25)).lengthField(0).bytes()),
                malformed("URL not NUL-terminated", Rejection.URL_NOT_TERMINATED, RawDatagram.opcode(IcpOpcode.QUERY).payload(RawDatagram.NO_REQUESTER, URL).bytes()),
                malformed("reply URL not NUL-terminated", Rejection.URL_NOT_TERMINATED, RawDatagram.opcode(IcpOpcode.MISS).payload(URL).bytes()),
                malformed("payload missing entirely (24 bytes)", Rejection.URL_NOT_TERMINATED, RawDatagram.opcode(IcpOpcode.QUERY).payload(RawDatagram.NO_REQUESTER).bytes()),
                malformed("query of a bare header (20 bytes)", Rejection.URL_NOT_TERMINATED, RawDatagram.opcode(IcpOpcode.QUERY).bytes()),
                malformed("reply of a bare header (20 bytes)", Rejection.URL_NOT_TERMINATED, RawDatagram.opcode(IcpOpcode.HIT).bytes()),
                malformed("empty URL", Rejection.URL_EMPTY, RawDatagram.query(new byte[0]).bytes()),
                malformed("empty URL in a reply", Rejection.URL_EMPTY, RawDatagram.reply(IcpOpcode.MISS, new byte[0]).bytes()),
                malformed("embedded NUL", Rejection.URL_EMBEDDED_NUL, RawDatagram.query(ascii("http://a\0b/")).bytes()),
                malformed("space", Rejection.URL_WHITESPACE, RawDatagram.query(ascii("http://a b/")).bytes()),
                malformed("tab", Rejection.URL_WHITESPACE, RawDatagram.query(ascii("http://a\tb/")).bytes()),
                malformed("CR LF", Rejection.URL_WHITESPACE, RawDatagram.query(ascii("http://a/\r\n")).bytes()),
                malformed("control character 0x01", Rejection.URL_WHITESPACE, RawDatagram.query(ascii("http://a\u0001/")).bytes()),
                malformed("DEL 0x7f", Rejection.URL_WHITESPACE, RawDatagram.query(ascii("http://a\u007f/")).bytes()),
                malformed("byte 0x80", Rejection.URL_NOT_ASCII, RawDatagram.query(concat(ascii("http://a"), new byte[] {(byte) 0x80})).bytes()),
                malformed("byte 0xff", Rejection.URL_NOT_ASCII, RawDatagram.query(concat(ascii("http://a"), new byte[] {(byte) 0xff})).bytes()),
                malformed("UTF-8 é", Rejection.URL_NOT_ASCII, RawDatagram.query("http://é/".getBytes(java.nio.charset.StandardCharsets.UTF_8)).bytes()),
                malformed("no scheme: example.com/x", Rejection.URL_NOT_ABSOLUTE, RawDatagram.query("example.com/x").bytes()),
                malformed("scheme starting with a digit: 1http://x", Rejection.URL_NOT_ABSOLUTE, RawDatagram.query("1http://x").bytes()),
                malformed("empty scheme: :x", Rejection.URL_NOT_ABSOLUTE, RawDatagram.query(":x").bytes()),
                malformed("relative path: /x", Rejection.URL_NOT_ABSOLUTE, RawDatagram.query("/x").bytes()),
                malformed("no colon at all: http", Rejection.URL_NOT_ABSOLUTE, RawDatagram.query("http").bytes()),
                malformed("bad scheme character: ht_tp://x", Rejection.URL_NOT_ABSOLUTE, RawDatagram.query("ht_tp://x").bytes()));
    }

    private static Arguments malformed(String what, Rejection expected, byte[] datagram) {
        return Arguments.of(Named.of(what, datagram), expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("malformedDatagrams")
    void validateSaysWhyADatagramIsMalformed(byte[] datagram, Rejection expected) {
        assertEquals(expected, IcpCodec.validate(Unpooled.wrappedBuffer(datagram)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("malformedDatagrams")
    void decodeThrowsTheRejection(byte[] datagram, Rejection expected) {
        IcpFormatException e = assertThrows(IcpFormatException.class, () -> IcpCodec.decode(Unpooled.wrappedBuffer(datagram)));

        assertEquals(expected, e.rejection());
        assertEquals(expected.description(), e.getMessage());
    }

    @Test
    void everyRejectionComesFromValidate() {
        Set<Rejection> produced = malformedDatagrams()
                .map(arguments -> (Rejection) arguments.get()[1])
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Rejection.class)));

        assertEquals(EnumSet.allOf(Rejection.class), produced);
    }

    @ParameterizedTest
    @EnumSource(value = IcpOpcode.class, names = {"HIT", "MISS", "ERR", "MISS_NOFETCH", "DENIED", "SECHO", "DECHO"})
    void validateAcceptsWellFormedRepliesAndEchoes(IcpOpcode opcode) {
        byte[] bytes = IcpCodec.toBytes(new IcpMessage(opcode, 2, 5, 0, 0, 0, 0, "http://example.com/"));

        assertNull(IcpCodec.validate(Unpooled.wrappedBuffer(bytes)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com/", "HTTPS://EXAMPLE.COM/", "h:", "a+b-c.d9:x", "urn:isbn:0451450523",
            "http://example.com/%20?q=a%26b#frag", "ftp://[::1]:21/~user/"})
    void validateAcceptsPrintableAbsoluteUrls(String url) {
        assertNull(IcpCodec.validate(RawDatagram.query(url).buf()));
    }

    @Test
    void errRepliesNeedOnlyBeFramed() {
        // An ERR echoes whatever the querier sent: only its NUL at the end is checked.
        byte[] bytes = RawDatagram.reply(IcpOpcode.ERR, ascii("not a url, with spaces")).bytes();

        assertNull(IcpCodec.validate(Unpooled.wrappedBuffer(bytes)));
    }

    @Test
    void datagramOfExactlyTheMaximumLengthIsAccepted() throws Exception {
        byte[] bytes = RawDatagram.query(concat(ascii("http://x/"), RawDatagram.repeat((byte) 'a', IcpCodec.MAX_LENGTH - 25 - 9))).bytes();
        assertEquals(IcpCodec.MAX_LENGTH, bytes.length);

        assertEquals(IcpCodec.MAX_LENGTH - 25, IcpCodec.decode(Unpooled.wrappedBuffer(bytes)).url().length());
    }

    @Test
    void onlyTooShortIsDroppedAndOnlyInvalidIsIgnored() {
        Set<Rejection> dropped = EnumSet.noneOf(Rejection.class);
        Set<Rejection> ignored = EnumSet.noneOf(Rejection.class);
        for (Rejection rejection : Rejection.values()) {
            switch (rejection.disposition()) {
                case DROP -> dropped.add(rejection);
                case IGNORE -> ignored.add(rejection);
                case ERR -> { }
            }
        }

        assertEquals(EnumSet.of(Rejection.TOO_SHORT), dropped);
        assertEquals(EnumSet.of(Rejection.INVALID_OPCODE), ignored);
    }

    // ---- writeReply --------------------------------------------------------------------------

    @Test
    void replyClearsOptionsOptionDataAndSenderAddress() throws Exception {
        ByteBuf query = RawDatagram.query("http://example.com/")
                .requestNumber(0x01020304)
                .options(IcpCodec.FLAG_SRC_RTT | IcpCodec.FLAG_HIT_OBJ)
                .optionData(0x7fff)
                .senderHostAddress(0x0A000001)
                .payload()
                .buf();
        assertNull(IcpCodec.validate(query));
        ByteBuf reply = Unpooled.buffer();

        IcpCodec.writeReply(query, IcpOpcode.HIT, reply);

        IcpMessage decoded = IcpCodec.decode(reply);
        assertEquals(new IcpMessage(IcpOpcode.HIT, 2, 0x01020304, 0, 0, 0, 0, "http://example.com/"), decoded);
    }

    @Test
    void replyKeepsVersion3() throws Exception {
        ByteBuf query = Unpooled.wrappedBuffer(IcpCodec.toBytes(IcpMessage.query(IcpCodec.VERSION_3, 99, "http://example.com/")));
        ByteBuf reply = Unpooled.buffer();

        IcpCodec.writeReply(query, IcpOpcode.MISS_NOFETCH, reply);

        IcpMessage decoded = IcpCodec.decode(reply);
        assertEquals(IcpCodec.VERSION_3, decoded.version());
        assertEquals(IcpOpcode.MISS_NOFETCH, decoded.opcode());
        assertEquals(99, decoded.requestNumber());
    }

    @Test
    void replyCopiesTheUrlByteForByte() {
        String url = "http://example.com/%7Euser/a;b?c=d&e=%2F#f";
        ByteBuf query = RawDatagram.query(url).buf();
        ByteBuf reply = Unpooled.buffer();

        IcpCodec.writeReply(query, IcpOpcode.DENIED, reply);

        byte[] bytes = ByteBufUtil.getBytes(reply);
        assertEquals(IcpCodec.replyLength(query), bytes.length);
        assertEquals(url, RawDatagram.replyUrl(bytes));
    }

    // ---- writeError --------------------------------------------------------------------------

    private static IcpMessage errorFor(byte[] rejected) throws IcpFormatException {
        ByteBuf reply = Unpooled.buffer();
        IcpCodec.writeError(Unpooled.wrappedBuffer(rejected), reply);
        return IcpCodec.decode(reply);
    }

    @Test
    void errorKeepsTheRequestNumberAndVersion() throws Exception {
        byte[] rejected = RawDatagram.query("example.com/x").version(3).requestNumber(0xDEADBEEF).bytes();

        IcpMessage error = errorFor(rejected);

        assertEquals(new IcpMessage(IcpOpcode.ERR, 3, 0xDEADBEEF, 0, 0, 0, 0, "example.com/x"), error);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 255})
    void errorUsesVersion2WhenTheVersionWasUnknown(int version) throws Exception {
        byte[] rejected = RawDatagram.query("http://example.com/").version(version).requestNumber(12).bytes();
        assertEquals(Rejection.UNKNOWN_VERSION, IcpCodec.validate(Unpooled.wrappedBuffer(rejected)));

        IcpMessage error = errorFor(rejected);

        assertEquals(IcpCodec.VERSION_2, error.version());
        assertEquals(12, error.requestNumber());
        assertEquals("http://example.com/", error.url());
    }

    @Test
    void errorPercentEscapesASpace() throws Exception {
        assertEquals("http://a%20b/", errorFor(RawDatagram.query("http://a b/").bytes()).url());
    }

    @Test
    void errorPercentEscapesControlsDelNonAsciiAndPercentItself() throws Exception {
        byte[] url = concat(ascii("http://x/\t\r\n\u007f%"), new byte[] {(byte) 0x80, (byte) 0xff, 0, 'z'});

        assertEquals("http://x/%09%0D%0A%7F%25%80%FF%00z", errorFor(RawDatagram.query(url).bytes()).url());
    }

    @Test
    void errorEscapesAllOfAnUnterminatedUrl() throws Exception {
        byte[] rejected = RawDatagram.opcode(IcpOpcode.QUERY).payload(RawDatagram.NO_REQUESTER, ascii("http://a b")).bytes();

        assertEquals("http://a%20b", errorFor(rejected).url());
    }

    @Test
    void errorToAnUnknownOpcodeCarriesNoUrl() throws Exception {
        byte[] rejected = RawDatagram.opcode(200).requestNumber(5).payload(RawDatagram.NO_REQUESTER, URL, new byte[1]).bytes();

        IcpMessage error = errorFor(rejected);

        assertEquals(new IcpMessage(IcpOpcode.ERR, 2, 5, 0, 0, 0, 0, ""), error);
    }

    @Test
    void errorToAnOverlongQueryOfSpacesStaysWithinTheMaximumLength() {
        byte[] rejected = RawDatagram.query(RawDatagram.repeat((byte) ' ', 16385 - 25)).requestNumber(3).bytes();
        ByteBuf reply = Unpooled.buffer();

        IcpCodec.writeError(Unpooled.wrappedBuffer(rejected), reply);

        assertTrue(reply.readableBytes() <= IcpCodec.MAX_LENGTH, () -> reply.readableBytes() + " bytes");
        assertNull(IcpCodec.validate(reply));
        assertTrue(RawDatagram.replyUrl(ByteBufUtil.getBytes(reply)).matches("(%20)+"));
    }

    @Test
    void errorLengthFieldIsTheReplySize() {
        ByteBuf reply = Unpooled.buffer().writeBytes(new byte[] {1, 2, 3});
        reply.readerIndex(3);

        IcpCodec.writeError(RawDatagram.query("http://a b/").buf(), reply);

        assertEquals(reply.readableBytes(), reply.getUnsignedShort(3 + 2));
        assertNull(IcpCodec.validate(reply));
    }

    // ---- bugs --------------------------------------------------------------------------------

    /**
     * validate() accepts any framed ERR ("an ERR echoes whatever the querier sent, escaped or
     * not"), so decode() must either decode it or throw IcpFormatException; it must not let
     * IcpMessage's ASCII check escape as an IllegalArgumentException. A Squid peer echoing a
     * query's raw URL makes such ERRs.
     */
    @Test
    void decodesAnErrReplyWhoseUrlIsNotAscii() {
        byte[] err = RawDatagram.reply(IcpOpcode.ERR, concat(ascii("http://a/"), new byte[] {(byte) 0xe9}))
                .requestNumber(7).bytes();
        assertNull(IcpCodec.validate(Unpooled.wrappedBuffer(err)));

        IcpMessage message = assertDoesNotThrow(() -> IcpCodec.decode(Unpooled.wrappedBuffer(err)));

        assertEquals(IcpOpcode.ERR, message.opcode());
        assertEquals(7, message.requestNumber());
    }

    // ---- the message value -------------------------------------------------------------------

    @Test
    void messageRefusesWhatCannotBeEncoded() {
        List<Runnable> bad = List.of(
                () -> IcpMessage.query(1, 0, "http://x/"),
                () -> IcpMessage.query(2, 0, "http://é/"),
                () -> IcpMessage.query(2, 0, "http://x/\0"),
                () -> new IcpMessage(IcpOpcode.MISS, 2, 0, 0, 0, 0, 1, "http://x/"),
                () -> IcpMessage.query(2, 0, "h:" + "a".repeat(IcpCodec.MAX_LENGTH - 25 - 1)));

        assertAll(IntStream.range(0, bad.size()).mapToObj(i -> () -> assertThrows(IllegalArgumentException.class,
                bad.get(i)::run, "case " + i)));
    }
}
