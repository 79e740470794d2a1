package sibyl.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sibyl.cluster.policy.LocalCache;
import sibyl.cluster.policy.OwnerPolicy;
import sibyl.config.ClusterSettings;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.TestQuery;

/**
 * Placement and claims over three real members in one JVM, with loads left alone (a balance
 * factor no load reaches): a URL is its partition owner's, and only exceptions are written.
 */
class OwnershipTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TestCluster("ownership-test", 3, 3, 100.0);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Ownership at(int member) {
        return cluster.at(member);
    }

    private static long inAnHour() {
        return System.currentTimeMillis() + 3_600_000;
    }

    @Test
    void exactlyOneMemberAnswersForEachUrlAndEveryMemberGetsSome() {
        Map<Integer, Integer> perMember = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String url = "http://example.com/unclaimed/" + i;
            int mine = -1;
            for (int m = 0; m < 3; m++) {
                Ownership.Answer answer = at(m).answer(url);
                assertNotEquals(Ownership.Answer.UNKNOWN, answer, url);
                if (answer == Ownership.Answer.MINE) {
                    assertEquals(-1, mine, url + ": a second member answers for it");
                    mine = m;
                }
            }
            assertEquals(cluster.partitionOwner(url), mine, url + ": its partition owner answers for it");
            perMember.merge(mine, 1, Integer::sum);
        }
        assertEquals(3, perMember.size(), "partitioning spreads URLs over every member: " + perMember);
    }

    @Test
    void aStoreByThePartitionOwnerWritesNothingToTheCluster() {
        long[] before = new long[3];
        for (int m = 0; m < 3; m++) {
            before[m] = at(m).counters().claimsWritten();
        }
        int size = cluster.members.get(0).claims().size();
        for (int i = 0; i < 200; i++) {
            String url = "http://example.com/placed/" + i;
            at(cluster.partitionOwner(url)).stored(url, inAnHour());
        }
        for (int m = 0; m < 3; m++) {
            at(m).flush().join();
            assertEquals(before[m], at(m).counters().claimsWritten(), "member " + m + " wrote a claim");
            assertEquals(0, at(m).counters().exceptionsHeld());
        }
        assertEquals(size, cluster.members.get(0).claims().size());
        for (int i = 0; i < 200; i++) {
            String url = "http://example.com/placed/" + i;
            assertEquals(Ownership.Answer.MINE, at(cluster.partitionOwner(url)).answer(url));
            for (int m = 0; m < 3; m++) {
                removeQuietly(m, url);
            }
        }
    }

    @Test
    void aStoreElsewhereIsOneClaimKeptByThePartitionOwnerWhichThenRoutesToTheHolder() {
        String url = "http://example.com/exception";
        int owner = cluster.partitionOwner(url);
        int holder = (owner + 1) % 3;
        int third = (owner + 2) % 3;
        UUID holderId = cluster.members.get(holder).id();
        long written = at(holder).counters().claimsWritten();

        at(holder).stored(url, inAnHour());
        at(holder).flush().join();

        assertEquals(written + 1, at(holder).counters().claimsWritten());
        assertEquals(holderId, Claim.fromWire(cluster.members.get(third).claims().get(url)).holder());
        await().until(() -> at(owner).answer(url) == Ownership.Answer.ELSEWHERE);
        assertEquals(Ownership.Answer.ELSEWHERE, at(holder).answer(url), "the holder knows from its index, not here");
        assertEquals(holderId, at(owner).route(url, Set.of()));
        assertEquals(cluster.members.get(owner).id(), at(third).route(url, Set.of()),
                "a member that is not the partition owner sends the miss there");
        assertNull(at(third).route(url, Set.of(holderId)), "a request from a member is fetched, never passed on");
        assertNull(at(owner).route(url, Set.of(holderId)), "never back to the member it came from");
        assertNull(at(owner).route(url, Set.of(UUID.randomUUID(), UUID.randomUUID())), "two members at most");

        at(holder).removed(url);
        at(holder).flush().join();
        await().until(() -> at(owner).answer(url) == Ownership.Answer.MINE);
        assertNull(cluster.members.get(0).claims().get(url));
        assertNull(at(owner).route(url, Set.of()));
    }

    @Test
    void aSecondHolderOfAClaimedUrlIsRefusedAndDropsItsCopy() {
        String url = "http://example.com/stored-twice";
        int owner = cluster.partitionOwner(url);
        int first = (owner + 1) % 3;
        int second = (owner + 2) % 3;
        cluster.holdings.get(first).held.put(url, inAnHour());
        at(first).stored(url, inAnHour());
        at(first).flush().join();
        long refused = at(second).counters().claimsRefused();
        long dropped = at(second).counters().duplicatesDropped();
        cluster.holdings.get(second).held.put(url, inAnHour());
        at(second).stored(url, inAnHour());
        at(second).flush().join();

        assertEquals(refused + 1, at(second).counters().claimsRefused());
        assertEquals(dropped + 1, at(second).counters().duplicatesDropped());
        assertFalse(cluster.holdings.get(second).held.containsKey(url), "the second copy is dropped");
        assertEquals(cluster.members.get(first).id(), Claim.fromWire(cluster.members.get(0).claims().get(url)).holder(),
                "the first holder's record stands");
        assertEquals(0, at(second).counters().exceptionsHeld());

        cluster.holdings.get(first).held.remove(url);
        removeQuietly(first, url);
        assertNull(cluster.members.get(0).claims().get(url));
    }

    @Test
    void aPartitionOwnerHoldingAUrlAnotherMemberClaimsDropsItsCopy() {
        // As after a network split: both sides stored the URL, and the member that lost the
        // partition at the merge claims its copy. Two holders would be two ICP HITs.
        String url = "http://example.com/stored-on-both-sides";
        int owner = cluster.partitionOwner(url);
        int holder = (owner + 1) % 3;
        long dropped = at(owner).counters().duplicatesDropped();
        cluster.holdings.get(owner).held.put(url, inAnHour());
        at(owner).stored(url, inAnHour());
        cluster.holdings.get(holder).held.put(url, inAnHour());
        at(holder).stored(url, inAnHour());
        at(holder).flush().join();

        await().until(() -> !cluster.holdings.get(owner).held.containsKey(url));
        assertEquals(dropped + 1, at(owner).counters().duplicatesDropped());
        assertTrue(cluster.holdings.get(holder).held.containsKey(url), "the claim's holder keeps its copy");
        assertEquals(Ownership.Answer.ELSEWHERE, at(owner).answer(url));
        assertEquals(cluster.members.get(holder).id(), at(owner).route(url, Set.of()));

        cluster.holdings.get(holder).held.remove(url);
        removeQuietly(holder, url);
    }

    @Test
    void aClaimEndsWithItsResponsesFreshness() {
        String url = "http://example.com/short-lived";
        int owner = cluster.partitionOwner(url);
        int holder = (owner + 1) % 3;
        at(holder).stored(url, System.currentTimeMillis() + 1_500);
        at(holder).flush().join();
        await().until(() -> at(owner).answer(url) == Ownership.Answer.ELSEWHERE);

        await().atMost(Duration.ofSeconds(10)).until(() -> at(owner).answer(url) == Ownership.Answer.MINE);
        removeQuietly(holder, url);
    }

    @Test
    void withEveryNodeAParentExactlyOneAnswersHit() {
        List<OwnerPolicy> policies = List.of(policy(0, ClusterSettings.Mode.PARENT, false, Stage.SERVING),
                policy(1, ClusterSettings.Mode.PARENT, false, Stage.SERVING),
                policy(2, ClusterSettings.Mode.PARENT, false, Stage.SERVING));
        for (int i = 0; i < 200; i++) {
            String url = "http://example.com/icp/" + i;
            int hits = 0;
            for (OwnerPolicy policy : policies) {
                IcpVerdict verdict = policy.decide(TestQuery.of(url));
                assertTrue(verdict == IcpVerdict.HIT || verdict == IcpVerdict.MISS_NOFETCH, verdict + " for " + url);
                hits += verdict == IcpVerdict.HIT ? 1 : 0;
            }
            assertEquals(1, hits, url);
        }
    }

    @Test
    void aHolderAnswersHitWhereverItsUrlIsPlacedAndASiblingOwnerOnlyWhenItHoldsIt() {
        String url = "http://example.com/sibling";
        int owner = cluster.partitionOwner(url);
        int other = (owner + 1) % 3;
        assertEquals(IcpVerdict.MISS, policy(owner, ClusterSettings.Mode.SIBLING, false, Stage.SERVING)
                .decide(TestQuery.of(url)));
        assertEquals(IcpVerdict.HIT, policy(owner, ClusterSettings.Mode.SIBLING, true, Stage.SERVING)
                .decide(TestQuery.of(url)));
        assertEquals(IcpVerdict.MISS_NOFETCH, policy(other, ClusterSettings.Mode.SIBLING, false, Stage.SERVING)
                .decide(TestQuery.of(url)));
        assertEquals(IcpVerdict.HIT, policy(other, ClusterSettings.Mode.PARENT, true, Stage.SERVING)
                .decide(TestQuery.of(url)), "it holds the URL: it knows from its index");
    }

    @Test
    void aDrainingNodePromisesOnlyWhatItHoldsWhileHandingOffThenNothing() {
        for (int i = 0; i < 50; i++) {
            String url = "http://example.com/drain/" + i;
            int owner = cluster.partitionOwner(url);
            assertEquals(IcpVerdict.MISS_NOFETCH, policy(owner, ClusterSettings.Mode.PARENT, true, Stage.LEAVING)
                    .decide(TestQuery.of(url)));
            assertEquals(IcpVerdict.HIT, policy(owner, ClusterSettings.Mode.PARENT, true, Stage.HANDING_OFF)
                    .decide(TestQuery.of(url)));
            assertEquals(IcpVerdict.MISS_NOFETCH, policy(owner, ClusterSettings.Mode.PARENT, false,
                    Stage.HANDING_OFF).decide(TestQuery.of(url)));
        }
    }

    @Test
    void aMemberSeesTheOthersWithTheirNamesHttpAddressesAndLoads() {
        List<MemberInfo> members = cluster.members.get(1).members();
        assertEquals(3, members.size());
        assertEquals(List.of("node-0", "node-1", "node-2"), members.stream().map(MemberInfo::name).sorted().toList());
        assertTrue(members.stream().anyMatch(m -> m.http().equals("127.0.0.1:3129")), members.toString());
        cluster.holdings.get(2).held.put("http://example.com/loaded", inAnHour());
        UUID two = cluster.members.get(2).id();
        await().until(() -> cluster.members.get(0).status(false).members().stream()
                .anyMatch(m -> m.info().id().equals(two) && m.objects() == 1));
        cluster.holdings.get(2).held.clear();
        String json = cluster.members.get(0).status(false).toJson();
        assertTrue(json.contains("\"claims_written\":"), json);
    }

    private static void removeQuietly(int member, String url) {
        at(member).removed(url);
        at(member).flush().join();
    }

    private static OwnerPolicy policy(int member, ClusterSettings.Mode mode, boolean held, Stage stage) {
        return new OwnerPolicy(at(member), mode, cache(held), () -> stage);
    }

    private static LocalCache cache(boolean held) {
        return new LocalCache() {
            @Override
            public String key(String url) {
                return url;
            }

            @Override
            public boolean promise(String key) {
                return held;
            }
        };
    }
}
