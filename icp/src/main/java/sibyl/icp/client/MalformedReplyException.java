package sibyl.icp.client;

import java.net.InetSocketAddress;
import sibyl.icp.wire.Rejection;

/** A reply that matched a query but does not decode; it carries the bytes for printing. */
public final class MalformedReplyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Rejection rejection;
    private final transient byte[] datagram;
    private final transient InetSocketAddress from;

    public MalformedReplyException(Rejection rejection, byte[] datagram, InetSocketAddress from) {
        super("malformed reply from " + from + ": " + rejection.description());
        this.rejection = rejection;
        this.datagram = datagram.clone();
        this.from = from;
    }

    public Rejection rejection() {
        return rejection;
    }

    public byte[] datagram() {
        return datagram.clone();
    }

    public InetSocketAddress from() {
        return from;
    }
}
