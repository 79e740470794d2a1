package sibyl.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bounded-load rule as a cluster runs it: URLs placed one after the other on the owner of
 * their partition (271 partitions dealt out as Hazelcast deals them), the loads known exactly.
 */
class BoundedLoadsTest {
    private static final int PARTITIONS = 271;

    @ParameterizedTest(name = "{0} members, {1} URLs: within {2}% of the mean")
    @CsvSource({"3, 640, 5", "5, 640, 5", "3, 100000, 2", "5, 100000, 2"})
    void placedUrlsStayWithinTheBoundOfTheMean(int memberCount, int urls, double percent) {
        UUID[] members = new UUID[memberCount];
        for (int m = 0; m < memberCount; m++) {
            members[m] = new UUID(0x5EB1L, m + 1);
        }
        Map<UUID, long[]> counts = new HashMap<>();
        for (UUID member : members) {
            counts.put(member, new long[2]);
        }
        BoundedLoads bound = new BoundedLoads(1.02);
        PartitionIds ids = new PartitionIds(PARTITIONS);
        int moved = 0;
        for (int i = 0; i < urls; i++) {
            String url = "http://origin.example/objects/" + i + "?size=65536";
            UUID owner = members[ids.of(url) % memberCount];
            UUID placed = bound.place(url, owner, members,
                    member -> new Loads.Load(counts.get(member)[0], counts.get(member)[1], 0, 0, false));
            counts.get(placed)[0]++;
            counts.get(placed)[1] += 65_536 + (i % 7) * 1_000;
            moved += placed.equals(owner) ? 0 : 1;
        }
        double mean = (double) urls / memberCount;
        for (UUID member : members) {
            double off = Math.abs(counts.get(member)[0] - mean) / mean * 100;
            assertTrue(off <= percent, member + " holds " + counts.get(member)[0] + " URLs, " + off + "% off the mean "
                    + mean);
        }
        assertTrue(moved < urls * 0.1, moved + " URLs placed away from their partition owner (one claim each)");
    }

    @ParameterizedTest(name = "plain hashing of {0} URLs over 3 members: further off")
    @CsvSource({"640"})
    void plainHashingIsFurtherOffThanTheBound(int urls) {
        PartitionIds ids = new PartitionIds(PARTITIONS);
        long[] counts = new long[3];
        for (int i = 0; i < urls; i++) {
            counts[ids.of("http://origin.example/objects/" + i + "?size=65536") % 3]++;
        }
        double mean = urls / 3.0;
        double worst = 0;
        for (long count : counts) {
            worst = Math.max(worst, Math.abs(count - mean) / mean);
        }
        assertTrue(worst > 0.05, "the workload is not one plain hashing balances already: " + worst);
    }

    @ParameterizedTest(name = "the rendezvous order of a URL is the same whatever order members are listed in")
    @CsvSource({"3", "5"})
    void everyMemberFindsTheSameNextCandidate(int memberCount) {
        UUID[] members = new UUID[memberCount];
        for (int m = 0; m < memberCount; m++) {
            members[m] = UUID.nameUUIDFromBytes(("member-" + m).getBytes());
        }
        UUID[] reversed = new UUID[memberCount];
        for (int m = 0; m < memberCount; m++) {
            reversed[m] = members[memberCount - 1 - m];
        }
        Map<UUID, Integer> chosen = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            String url = "http://origin.example/" + i;
            UUID a = BoundedLoads.rendezvous(url, members, member -> true);
            assertEquals(a, BoundedLoads.rendezvous(url, reversed, member -> true), url);
            chosen.merge(a, 1, Integer::sum);
        }
        assertEquals(memberCount, chosen.size(), "every member is some URL's first candidate: " + chosen);
    }
}
