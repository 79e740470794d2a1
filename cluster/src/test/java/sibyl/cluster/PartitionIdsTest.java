package sibyl.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import sibyl.config.ClusterSettings;

/** The shortcut to a URL's partition finds the one Hazelcast finds. */
class PartitionIdsTest {

    @Test
    void asciiKeysLandInHazelcastsPartitionAndOthersAreLeftToIt() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(ClusterMember.config(new ClusterSettings(true,
                "partition-ids-test", new InetSocketAddress("127.0.0.1", TestCluster.freePort()), List.of(), false,
                ClusterSettings.Mode.PARENT, Duration.ofSeconds(1)), "node", address));
        try {
            int count = hazelcast.getPartitionService().getPartitions().size();
            PartitionIds ids = new PartitionIds(count);
            Random random = new Random(7);
            for (int i = 0; i < 20_000; i++) {
                StringBuilder key = new StringBuilder();
                for (int n = random.nextInt(i % 100 == 0 ? 5000 : 300); n > 0; n--) {
                    key.append((char) random.nextInt(0x80));
                }
                String text = key.toString();
                assertEquals(hazelcast.getPartitionService().getPartition(text).getPartitionId(), ids.of(text), text);
            }
            assertEquals(-1, ids.of("http://example.com/caf\u00e9"), "not ASCII: Hazelcast's own lookup");
        } finally {
            hazelcast.shutdown();
        }
    }
}
