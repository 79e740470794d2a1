package sibyl.icp.wire;

/**
 * Why a datagram is not a well-formed ICP message, and what a server does about it.
 *
 * <p>The checks are those Squid makes, made stricter where Squid's leniency costs a peer nothing
 * to avoid: a URL must be printable ASCII with a scheme, since a cache key built from anything
 * else would never match an HTTP request.
 */
public enum Rejection {
    TOO_SHORT(Disposition.DROP, "shorter than the 20-byte ICP header"),
    INVALID_OPCODE(Disposition.IGNORE, "opcode ICP_OP_INVALID"),
    UNKNOWN_OPCODE(Disposition.ERR, "opcode not assigned by RFC 2186"),
    UNKNOWN_VERSION(Disposition.ERR, "version other than 2 or 3"),
    LENGTH_MISMATCH(Disposition.ERR, "message length field differs from the datagram size"),
    TOO_LONG(Disposition.ERR, "longer than the 16384-byte ICP maximum"),
    URL_NOT_TERMINATED(Disposition.ERR, "URL missing or not NUL-terminated at the end of the datagram"),
    URL_EMPTY(Disposition.ERR, "empty URL"),
    URL_EMBEDDED_NUL(Disposition.ERR, "NUL inside the URL"),
    URL_WHITESPACE(Disposition.ERR, "whitespace or a control character in the URL"),
    URL_NOT_ASCII(Disposition.ERR, "byte outside ASCII in the URL (URLs are percent-encoded)"),
    URL_NOT_ABSOLUTE(Disposition.ERR, "URL without a scheme");

    /** What a server does with a datagram rejected for this reason. */
    public enum Disposition {
        /** Not answered: too short to carry a request number to answer with. */
        DROP,
        /** Not answered: answering a reserved opcode could start a reply loop between servers. */
        IGNORE,
        /** Answered with {@link IcpOpcode#ERR} carrying the request number. */
        ERR
    }

    private final Disposition disposition;
    private final String description;

    Rejection(Disposition disposition, String description) {
        this.disposition = disposition;
        this.description = description;
    }

    public Disposition disposition() {
        return disposition;
    }

    /** A short, human sentence fragment, e.g. "empty URL". */
    public String description() {
        return description;
    }
}
