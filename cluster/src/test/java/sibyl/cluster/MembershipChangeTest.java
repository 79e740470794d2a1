package sibyl.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A member crashing and a node coming back, over three real members in one JVM. */
class MembershipChangeTest {

    @Test
    void aCrashedMembersClaimsAreIgnoredAtOnceThenRemovedAndItsNodeRejoinsAsANewMember() throws Exception {
        try (TestCluster cluster = new TestCluster("membership-test", 3)) {
            ClusterMember doomed = cluster.members.get(2);
            UUID doomedId = doomed.id();
            for (int i = 0; i < 50; i++) {
                doomed.ownership().claim("http://example.com/crash/" + i, Duration.ofMinutes(10));
            }
            Ownership survivor = cluster.members.get(0).ownership();
            await().until(() -> survivor.claimsPerMember().getOrDefault(doomedId, 0L) == 50);
            assertEquals(doomedId, survivor.ownerOf("http://example.com/crash/7").member());

            doomed.crash();

            // Ignored as soon as the survivors see it gone (Hazelcast: within a second on loopback),
            // though its claims may still be in the map.
            await().atMost(Duration.ofSeconds(15)).until(() -> !survivor.isLive(doomedId));
            for (int i = 0; i < 50; i++) {
                Ownership.Owner owner = survivor.ownerOf("http://example.com/crash/" + i);
                assertNotEquals(doomedId, owner.member());
                assertFalse(owner.claimed());
            }
            // Then removed by the oldest member.
            Ownership other = cluster.members.get(1).ownership();
            await().until(() -> !survivor.claimsPerMember().containsKey(doomedId)
                    && !other.claimsPerMember().containsKey(doomedId));

            // Exactly one of the two survivors owns each URL meanwhile.
            for (int i = 0; i < 100; i++) {
                String url = "http://example.com/after/" + i;
                assertTrue(survivor.ownerOf(url).local() ^ other.ownerOf(url).local(), url);
            }

            ClusterMember back = cluster.start(2);
            cluster.members.set(2, back);
            cluster.awaitSize(3);
            assertNotEquals(doomedId, back.id(), "a restarted node is a new member");
            back.ownership().claim("http://example.com/back", Duration.ofMinutes(1));
            await().until(() -> back.id().equals(survivor.ownerOf("http://example.com/back").member()));
        }
    }

    @Test
    void aMemberLeavingGracefullyHandsItsUrlsToTheOthers() throws Exception {
        try (TestCluster cluster = new TestCluster("leave-test", 3)) {
            ClusterMember leaving = cluster.members.get(1);
            UUID leavingId = leaving.id();
            leaving.ownership().claim("http://example.com/leaving", Duration.ofMinutes(10));
            Ownership stays = cluster.members.get(0).ownership();
            await().until(() -> leavingId.equals(stays.ownerOf("http://example.com/leaving").member()));

            leaving.ownership().releaseAll();
            leaving.close();

            await().until(() -> !stays.isLive(leavingId));
            assertFalse(stays.claimsPerMember().containsKey(leavingId), "released before it left");
            assertNotEquals(leavingId, stays.ownerOf("http://example.com/leaving").member());
        }
    }
}
