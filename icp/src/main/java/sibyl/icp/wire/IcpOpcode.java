package sibyl.icp.wire;

/**
 * The opcodes of RFC 2186, section 2.
 *
 * <p>Codes 5 to 9 were ICP version 1 data-transfer opcodes and are unassigned in version 2; like
 * every other unassigned code they decode as "unknown" ({@link #of} returns {@code null}).
 */
public enum IcpOpcode {
    /** Reserved; a datagram carrying it is never answered. */
    INVALID(0),
    QUERY(1),
    HIT(2),
    MISS(3),
    ERR(4),
    /** Source echo: a query-shaped probe sent to an origin's echo port. */
    SECHO(10),
    /** Dumb echo: a query-shaped probe sent to a cache that does not speak ICP. */
    DECHO(11),
    MISS_NOFETCH(21),
    DENIED(22),
    /** Hit with the object in the reply; recognised when decoding, never sent by Sibyl. */
    HIT_OBJ(23);

    private static final IcpOpcode[] BY_CODE = new IcpOpcode[256];

    static {
        for (IcpOpcode opcode : values()) {
            BY_CODE[opcode.code] = opcode;
        }
    }

    private final int code;

    IcpOpcode(int code) {
        this.code = code;
    }

    /** The opcode's byte on the wire. */
    public int code() {
        return code;
    }

    /**
     * The opcode with this wire code, or {@code null} if RFC 2186 assigns none to it. Allocates
     * nothing: it is called once per received datagram.
     */
    public static IcpOpcode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Whether the payload starts with the 4-byte requester host address (query-shaped). */
    public boolean carriesRequesterAddress() {
        return this == QUERY || this == SECHO || this == DECHO;
    }

    /** Whether this opcode answers a query. */
    public boolean isReply() {
        return this == HIT || this == MISS || this == ERR || this == MISS_NOFETCH
                || this == DENIED || this == HIT_OBJ;
    }

    /** The name the RFC and Squid use, e.g. {@code ICP_OP_MISS_NOFETCH}. */
    public String rfcName() {
        return "ICP_OP_" + name();
    }
}
