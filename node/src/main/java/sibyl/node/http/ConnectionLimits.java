package sibyl.node.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client connections open at once, over all clients and per client address: one per server,
 * shared by its event loops.
 */
final class ConnectionLimits {
    // Changed by a reload: a connection is held to the bounds in force when it came.
    private volatile int total;
    private volatile int perClient;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> byClient = new ConcurrentHashMap<>();

    ConnectionLimits(int total, int perClient) {
        this.total = total;
        this.perClient = perClient;
    }

    /** New bounds for connections from now on; those open over them stay open. */
    void resize(int total, int perClient) {
        this.total = total;
        this.perClient = perClient;
    }

    /**
     * Counts a new connection from {@code client}, if both bounds allow it.
     *
     * @return null if it was counted (then {@link #release} it once closed), or why not
     */
    String admit(InetAddress client) {
        int total = this.total;
        int perClient = this.perClient;
        if (open.incrementAndGet() > total) {
            open.decrementAndGet();
            return "the node has " + total + " client connections open (http.max-connections); retry later";
        }
        boolean[] admitted = new boolean[1];
        byClient.compute(client, (address, count) -> {
            int now = count == null ? 0 : count;
            if (now >= perClient) {
                return count;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            open.decrementAndGet();
            return client.getHostAddress() + " has " + perClient
                    + " connections open (http.max-connections-per-client); retry later";
        }
        return null;
    }

    void release(InetAddress client) {
        byClient.computeIfPresent(client, (address, count) -> count == 1 ? null : count - 1);
        open.decrementAndGet();
    }

    /** Connections counted now. */
    int open() {
        return open.get();
    }
}
