package sibyl.icp.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP ports for tests to bind later, such as a cluster member's address given to the others
 * before it starts. Taken below Linux's ephemeral range (32768 and up by default): a port the
 * kernel hands out for "port 0" may be given to any outgoing connection before the test binds
 * it (CI saw Hazelcast fail to bind one that way), while one below that range stays free
 * unless another test draws the same number.
 */
public final class FreePorts {
    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;

    private FreePorts() {}

    /** A TCP port free on every address now, below the ephemeral range. */
    public static int tcp() throws IOException {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = FIRST + ThreadLocalRandom.current().nextInt(COUNT);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException taken) {
                // another: this one is in use
            }
        }
        throw new IOException("no free TCP port in " + FIRST + ".." + (FIRST + COUNT - 1));
    }
}
