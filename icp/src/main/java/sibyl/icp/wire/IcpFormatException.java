package sibyl.icp.wire;

/** A datagram that does not decode as an ICP message, with the reason. */
public final class IcpFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Rejection rejection;

    public IcpFormatException(Rejection rejection) {
        super(rejection.description());
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
