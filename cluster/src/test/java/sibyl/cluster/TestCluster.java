package sibyl.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import sibyl.config.ClusterSettings;

/**
 * Members of one cluster on 127.0.0.1, each on a free port, all knowing each other's addresses,
 * each with holdings a test sets.
 */
final class TestCluster implements AutoCloseable {
    final List<ClusterMember> members = new ArrayList<>();
    final List<TestHoldings> holdings = new ArrayList<>();
    private final List<InetSocketAddress> addresses = new ArrayList<>();
    private final String name;
    private final double balanceFactor;
    private final Duration handover;

    /** What a member holds, as a test says. */
    static final class TestHoldings implements Holdings {
        final Map<String, Long> held = new ConcurrentHashMap<>();
        final AtomicLong bytes = new AtomicLong();

        @Override
        public long objects() {
            return held.size();
        }

        @Override
        public long bytes() {
            return bytes.get();
        }

        @Override
        public boolean drop(String key) {
            return held.remove(key) != null;
        }

        @Override
        public void forEachHeld(Held consumer) {
            held.forEach(consumer::accept);
        }
    }

    TestCluster(String name, int size) throws IOException {
        this(name, size, size, ClusterSettings.DEFAULT_BALANCE_FACTOR);
    }

    /** {@code size} member addresses, the first {@code started} started. */
    TestCluster(String name, int size, int started, double balanceFactor) throws IOException {
        this(name, size, started, balanceFactor, ClusterSettings.DEFAULT_HANDOVER);
    }

    TestCluster(String name, int size, int started, double balanceFactor, Duration handover) throws IOException {
        this.name = name;
        this.balanceFactor = balanceFactor;
        this.handover = handover;
        for (int i = 0; i < size; i++) {
            addresses.add(new InetSocketAddress("127.0.0.1", freePort()));
            holdings.add(new TestHoldings());
        }
        for (int i = 0; i < started; i++) {
            members.add(start(i));
        }
        awaitSize(started);
        members.get(0).ownership().answer("http://example.com/"); // assigns the partitions
        awaitSafe();
    }

    /** Starts member {@code i} (again: a restarted node is a new member). */
    ClusterMember start(int i) {
        ClusterSettings settings = new ClusterSettings(true, name, addresses.get(i), addresses, false,
                ClusterSettings.Mode.PARENT, Duration.ofSeconds(5), balanceFactor, handover,
                ClusterSettings.Handoff.DEFAULT);
        return ClusterMember.join(settings, "node-" + i, new InetSocketAddress("127.0.0.1", 3128 + i),
                holdings.get(i), false);
    }

    /** Starts member {@code i} and adds it to {@link #members}. */
    ClusterMember add(int i) {
        ClusterMember member = start(i);
        members.add(member);
        return member;
    }

    void awaitSize(int size) {
        await().atMost(Duration.ofSeconds(30)).until(() -> members.stream()
                .allMatch(member -> !running(member) || member.members().size() == size));
    }

    Ownership at(int member) {
        return members.get(member).ownership();
    }

    /** The index of the member with id {@code id}. */
    int indexOf(UUID id) {
        for (int i = 0; i < members.size(); i++) {
            if (running(members.get(i)) && members.get(i).id().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no member " + id);
    }

    /** The index of the member {@code key}'s partition belongs to. */
    int partitionOwner(String key) {
        return indexOf(at(0).partitionOwner(key));
    }

    /** Waits until no partition is migrating. */
    void awaitSafe() {
        await().atMost(Duration.ofSeconds(60)).until(() -> members.stream().filter(TestCluster::running)
                .allMatch(member -> member.hazelcast().getPartitionService().isClusterSafe()));
    }

    static boolean running(ClusterMember member) {
        try {
            member.members();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A TCP port free now, and still free when the member binds it. */
    static int freePort() throws IOException {
        return sibyl.icp.testing.FreePorts.tcp();
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
