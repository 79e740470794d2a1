package sibyl.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sibyl.cluster.policy.LocalCache;
import sibyl.cluster.policy.OwnerPolicy;
import sibyl.config.ClusterSettings;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.TestQuery;
import sibyl.icp.policy.IcpVerdict;

/** The ownership map's semantics over three real members in one JVM. */
class OwnershipTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TestCluster("ownership-test", 3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Ownership at(int member) {
        return cluster.members.get(member).ownership();
    }

    @Test
    void everyMemberAgreesOnTheOwnerOfAnUnclaimedUrlAndExactlyOneIsIt() {
        Map<UUID, Integer> perMember = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String url = "http://example.com/unclaimed/" + i;
            Ownership.Owner first = at(0).ownerOf(url);
            int local = 0;
            for (int m = 0; m < 3; m++) {
                Ownership.Owner owner = at(m).ownerOf(url);
                assertEquals(first.member(), owner.member(), url);
                assertFalse(owner.claimed());
                local += owner.local() ? 1 : 0;
            }
            assertEquals(1, local, url + ": exactly one member is the owner");
            perMember.merge(first.member(), 1, Integer::sum);
        }
        assertEquals(3, perMember.size(), "partitioning spreads URLs over every member: " + perMember);
    }

    @Test
    void aClaimMakesTheClaimantTheOwnerEverywhereAndAReleaseGivesItBack() {
        String url = "http://example.com/claimed";
        UUID hashOwner = at(0).ownerOf(url).member();
        int claimant = cluster.members.get(0).id().equals(hashOwner) ? 1 : 0;
        UUID claimantId = cluster.members.get(claimant).id();

        at(claimant).claim(url, Duration.ofMinutes(5));

        for (int m = 0; m < 3; m++) {
            Ownership ownership = at(m);
            await().until(() -> claimantId.equals(ownership.ownerOf(url).member()));
            assertTrue(ownership.ownerOf(url).claimed());
        }
        assertTrue(at(claimant).ownerOf(url).local());

        at((claimant + 1) % 3).release(url); // not its claim: nothing happens
        at(claimant).release(url);

        for (int m = 0; m < 3; m++) {
            Ownership ownership = at(m);
            await().until(() -> hashOwner.equals(ownership.ownerOf(url).member()));
        }
    }

    @Test
    void aClaimEndsWithItsLifetime() {
        String url = "http://example.com/short-lived";
        UUID hashOwner = at(0).ownerOf(url).member();
        int claimant = cluster.members.get(2).id().equals(hashOwner) ? 1 : 2;
        at(claimant).claim(url, Duration.ofSeconds(1));
        await().until(() -> at(0).ownerOf(url).claimed());

        await().atMost(Duration.ofSeconds(10)).until(() -> !at(0).ownerOf(url).claimed());
        assertEquals(hashOwner, at(0).ownerOf(url).member());
    }

    @Test
    void releasingEverythingLeavesOtherMembersClaimsAlone() {
        for (int i = 0; i < 20; i++) {
            at(i % 2).claim("http://example.com/bulk/" + i, Duration.ofMinutes(5));
        }
        UUID zero = cluster.members.get(0).id();
        UUID one = cluster.members.get(1).id();
        await().until(() -> at(2).claimsPerMember().getOrDefault(zero, 0L) >= 10
                && at(2).claimsPerMember().getOrDefault(one, 0L) >= 10);

        at(0).releaseAll();

        await().until(() -> !at(2).claimsPerMember().containsKey(zero));
        assertTrue(at(2).claimsPerMember().get(one) >= 10);
        at(1).releaseAll();
    }

    @Test
    void withEveryNodeAParentExactlyOneAnswersHit() {
        List<OwnerPolicy> policies = List.of(policy(0, ClusterSettings.Mode.PARENT, false),
                policy(1, ClusterSettings.Mode.PARENT, false), policy(2, ClusterSettings.Mode.PARENT, false));
        for (int i = 0; i < 200; i++) {
            String url = "http://example.com/icp/" + i;
            int hits = 0;
            for (OwnerPolicy policy : policies) {
                IcpVerdict verdict = policy.decide(query(url));
                assertTrue(verdict == IcpVerdict.HIT || verdict == IcpVerdict.MISS_NOFETCH, verdict + " for " + url);
                hits += verdict == IcpVerdict.HIT ? 1 : 0;
            }
            assertEquals(1, hits, url);
        }
    }

    @Test
    void aSiblingOwnerAnswersHitOnlyWhenItHoldsTheUrl() {
        String url = "http://example.com/sibling";
        UUID owner = at(0).ownerOf(url).member();
        int ownerIndex = 0;
        while (!cluster.members.get(ownerIndex).id().equals(owner)) {
            ownerIndex++;
        }
        assertEquals(IcpVerdict.MISS, policy(ownerIndex, ClusterSettings.Mode.SIBLING, false).decide(query(url)));
        assertEquals(IcpVerdict.HIT, policy(ownerIndex, ClusterSettings.Mode.SIBLING, true).decide(query(url)));
        assertEquals(IcpVerdict.MISS_NOFETCH,
                policy((ownerIndex + 1) % 3, ClusterSettings.Mode.SIBLING, true).decide(query(url)),
                "another member's URL, held here or not");
    }

    @Test
    void aDrainingNodeAnswersMissNofetchToEverything() {
        OwnerPolicy draining = new OwnerPolicy(at(0), ClusterSettings.Mode.PARENT, cache(true), () -> true);
        for (int i = 0; i < 50; i++) {
            assertEquals(IcpVerdict.MISS_NOFETCH, draining.decide(query("http://example.com/drain/" + i)));
        }
    }

    @Test
    void aMemberSeesTheOthersWithTheirNamesAndHttpAddresses() {
        List<MemberInfo> members = cluster.members.get(1).members();
        assertEquals(3, members.size());
        assertEquals(List.of("node-0", "node-1", "node-2"), members.stream().map(MemberInfo::name).sorted().toList());
        assertTrue(members.stream().anyMatch(m -> m.http().equals("127.0.0.1:3129")), members.toString());
        assertNotEquals(members.get(0).id(), members.get(1).id());
    }

    private static OwnerPolicy policy(int member, ClusterSettings.Mode mode, boolean held) {
        return new OwnerPolicy(at(member), mode, cache(held), () -> false);
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

    private static IcpQuery query(String url) {
        return TestQuery.of(url);
    }
}
