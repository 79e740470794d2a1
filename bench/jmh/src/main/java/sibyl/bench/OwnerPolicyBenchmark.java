package sibyl.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.Ownership;
import sibyl.cluster.Stage;
import sibyl.cluster.policy.LocalCache;
import sibyl.cluster.policy.OwnerPolicy;
import sibyl.config.ClusterSettings;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * The owner policy's decision on the ICP path, in a member of a three-member cluster (all in
 * this JVM, on 127.0.0.1): the partition lookup (the URL hashed as Hazelcast hashes it), and
 * where this member owns the partition, the lookup of the claims it keeps and the live-member
 * check.
 *
 * <ul>
 *   <li>{@code unclaimed}: 1,024 URLs nobody stored: the partition owner decides;
 *   <li>{@code claimed}: 1,024 URLs held by the other members, claimed where member 0 owns
 *       their partition: the claim decides there.
 * </ul>
 *
 * Compare with {@code IcpReplyPath} (the whole reply path with the default chain). Run:
 * {@code bench/jmh.sh OwnerPolicy} (add {@code -prof gc} for allocation per decision).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"})
public class OwnerPolicyBenchmark {
    private static final int URLS = 1024;

    @Param({"unclaimed", "claimed"})
    public String urls;

    private final List<ClusterMember> members = new ArrayList<>();
    private OwnerPolicy policy;
    private IcpQuery[] queries;
    private int next;

    @Setup(Level.Trial)
    public void start() throws Exception {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            addresses.add(new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int i = 0; i < 3; i++) {
            members.add(ClusterMember.join(new ClusterSettings(true, "owner-benchmark", addresses.get(i), addresses, false,
                    ClusterSettings.Mode.PARENT, Duration.ofSeconds(1)), "bench-" + i, new InetSocketAddress("127.0.0.1", 3128)));
        }
        while (members.get(0).members().size() < 3) {
            Thread.sleep(100); // setup, outside the measurement
        }
        Ownership ownership = members.get(0).ownership();
        policy = new OwnerPolicy(ownership, ClusterSettings.Mode.PARENT, new LocalCache() {
            @Override
            public String key(String url) {
                return url;
            }

            @Override
            public boolean promise(String key) {
                return false;
            }
        }, () -> Stage.SERVING);
        queries = new IcpQuery[URLS];
        for (int i = 0; i < URLS; i++) {
            String url = "http://www.example.com/objects/" + i + ".jpg";
            queries[i] = new Query(url);
            if (urls.equals("claimed")) {
                // Held away from its partition owner: a claim, kept by member 0 where it owns the partition.
                members.get(1 + i % 2).ownership().stored(url, System.currentTimeMillis() + 3_600_000);
            }
        }
        for (ClusterMember member : members) {
            member.ownership().flush().join();
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        members.forEach(ClusterMember::close);
    }

    @Benchmark
    public IcpVerdict decide() {
        IcpQuery query = queries[next];
        next = (next + 1) & (URLS - 1);
        return policy.decide(query);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private record Query(String url) implements IcpQuery {
        @Override
        public InetSocketAddress sender() {
            return null;
        }

        @Override
        public int requestNumber() {
            return 0;
        }

        @Override
        public int version() {
            return 2;
        }

        @Override
        public int options() {
            return 0;
        }

        @Override
        public int optionData() {
            return 0;
        }

        @Override
        public int requesterHostAddress() {
            return 0;
        }
    }
}
