package sibyl.icp.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** A query for policy tests: a URL from a sender, version 2, no options. */
public record TestQuery(String url, InetSocketAddress sender, int requestNumber, int version, int options,
        int optionData, int requesterHostAddress) implements IcpQuery {

    /** A query for {@code url} from 127.0.0.1:3130. */
    public static TestQuery of(String url) {
        return from("127.0.0.1", url);
    }

    /** A query for {@code url} from port 3130 of the address literal {@code address}. */
    public static TestQuery from(String address, String url) {
        try {
            // A literal never makes InetAddress resolve anything.
            return new TestQuery(url, new InetSocketAddress(InetAddress.getByName(address), 3130), 1, 2, 0, 0, 0);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }
}
