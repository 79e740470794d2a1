package sibyl.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The bounded-load rule over five real members that tell each other their loads. */
class PlacementTest {

    @Test
    void everyMemberPlacesANewUrlOnTheSameMemberAndAnOverloadedOwnerRoutesItThere() throws Exception {
        try (TestCluster cluster = new TestCluster("placement-test", 5, 5, 1.02)) {
            for (int m = 0; m < 5; m++) {
                int objects = m == 0 ? 200 : 100;
                for (int i = 0; i < objects; i++) {
                    cluster.holdings.get(m).held.put("http://example.com/load/" + m + "/" + i, Long.MAX_VALUE);
                }
            }
            UUID loaded = cluster.members.get(0).id();
            for (int m = 0; m < 5; m++) {
                ClusterMember member = cluster.members.get(m);
                await().until(() -> member.status(false).members().stream()
                        .allMatch(other -> other.objects() == (other.info().id().equals(loaded) ? 200 : 100)));
            }

            int movedAway = 0;
            for (int i = 0; i < 500; i++) {
                String url = "http://example.com/new/" + i;
                UUID placed = cluster.at(0).placement(url);
                for (int m = 1; m < 5; m++) {
                    assertEquals(placed, cluster.at(m).placement(url), url + " at member " + m);
                }
                UUID owner = cluster.at(0).partitionOwner(url);
                if (owner.equals(loaded)) {
                    assertNotEquals(loaded, placed, url + ": its owner is over its bound");
                    assertEquals(placed, cluster.at(0).route(url, Set.of()), url);
                    movedAway++;
                } else {
                    assertEquals(owner, placed, url + ": its owner is under its bound");
                }
            }
            assertTrue(movedAway > 0);
            assertTrue(cluster.at(0).counters().overflows() >= movedAway);
        }
    }
}
