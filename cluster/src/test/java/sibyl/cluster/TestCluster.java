package sibyl.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import sibyl.config.ClusterSettings;

/** Members of one cluster on 127.0.0.1, each on a free port, all knowing each other's addresses. */
final class TestCluster implements AutoCloseable {
    final List<ClusterMember> members = new ArrayList<>();
    private final List<InetSocketAddress> addresses = new ArrayList<>();
    private final String name;

    TestCluster(String name, int size) throws IOException {
        this.name = name;
        for (int i = 0; i < size; i++) {
            addresses.add(new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int i = 0; i < size; i++) {
            members.add(start(i));
        }
        awaitSize(size);
    }

    /** Starts member {@code i} (again: a restarted node is a new member). */
    ClusterMember start(int i) {
        ClusterSettings settings = new ClusterSettings(true, name, addresses.get(i), addresses, false,
                ClusterSettings.Mode.PARENT, Duration.ofSeconds(5));
        return ClusterMember.join(settings, "node-" + i, new InetSocketAddress("127.0.0.1", 3128 + i));
    }

    void awaitSize(int size) {
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream()
                .allMatch(member -> !running(member) || member.members().size() == size));
    }

    private static boolean running(ClusterMember member) {
        try {
            member.members();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A TCP port free now. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (ClusterMember member : members) {
            try {
                member.close();
            } catch (RuntimeException e) {
                // crashed in the test
            }
        }
    }
}
