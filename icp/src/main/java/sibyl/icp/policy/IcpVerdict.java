package sibyl.icp.policy;

import sibyl.icp.wire.IcpOpcode;

/**
 * What a node answers to an ICP query. {@code ICP_OP_ERR} is not a verdict: it answers malformed
 * datagrams before any policy sees them.
 */
public enum IcpVerdict {
    /** Send me this request: I hold it fresh, or I own its part of the URL space. */
    HIT(IcpOpcode.HIT),
    /** I don't have it, but you may fetch it through me. The chain's default. */
    MISS(IcpOpcode.MISS),
    /** Don't fetch it through me now: another node owns it, I am warming up, or I am overloaded. */
    MISS_NOFETCH(IcpOpcode.MISS_NOFETCH),
    /** You are not allowed to ask me. */
    DENIED(IcpOpcode.DENIED);

    private final IcpOpcode opcode;

    IcpVerdict(IcpOpcode opcode) {
        this.opcode = opcode;
    }

    /** The reply opcode that carries this verdict. */
    public IcpOpcode opcode() {
        return opcode;
    }

    /**
     * The verdict named {@code name}, either bare ({@code MISS_NOFETCH}) or as the RFC spells it
     * ({@code ICP_OP_MISS_NOFETCH}), in any case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static IcpVerdict parse(String name) {
        String bare = name.trim().toUpperCase(java.util.Locale.ROOT);
        if (bare.startsWith("ICP_OP_")) {
            bare = bare.substring("ICP_OP_".length());
        }
        for (IcpVerdict verdict : values()) {
            if (verdict.name().equals(bare)) {
                return verdict;
            }
        }
        throw new IllegalArgumentException(
                "'" + name + "' is not an ICP verdict; use one of HIT, MISS, MISS_NOFETCH, DENIED");
    }
}
