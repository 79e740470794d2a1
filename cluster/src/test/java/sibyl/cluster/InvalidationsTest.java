package sibyl.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Invalidations between two real members: batched, each key once, and bounded under a flood. */
class InvalidationsTest {

    @Test
    void aBanReachesTheOtherMembersAtOnceAndNotItsOwnSender() throws Exception {
        try (TestCluster cluster = new TestCluster("bans-test", 2)) {
            List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> heardBySender = new java.util.concurrent.CopyOnWriteArrayList<>();
            cluster.members.get(1).invalidations().listen(key -> {}, heard::add);
            cluster.members.get(0).invalidations().listen(key -> {}, heardBySender::add);

            assertEquals(1, cluster.members.get(0).invalidations().ban("^http://example\\.com/a/"),
                    "told to the one other member");

            await().atMost(Duration.ofSeconds(20)).until(() -> heard.size() == 1);
            assertEquals(List.of("^http://example\\.com/a/"), heard);
            assertEquals(List.of(), heardBySender, "the sender banned already");
            assertEquals(1L, cluster.members.get(1).invalidations().counters().get("bans_received"));
        }
    }

    @Test
    void aFloodOfInvalidationsGoesOutInFewMessagesAndPastTheBoundIsDroppedAndCounted() throws Exception {
        try (TestCluster cluster = new TestCluster("invalidations-test", 2)) {
            Set<String> heard = ConcurrentHashMap.newKeySet();
            cluster.members.get(1).invalidations().listen(heard::add, pattern -> {});
            Invalidations told = cluster.members.get(0).invalidations();

            // 20,000 unsafe requests over 2,000 URLs, one at a time, as event loops publish them.
            for (int i = 0; i < 20_000; i++) {
                told.publish(List.of("http://example.com/posted/" + i % 2_000));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> heard.size() == 2_000);
            long messages = told.counters().get("invalidation_messages");
            assertTrue(messages < 2_000, messages + " messages for 20,000 invalidations (one each before)");
            assertEquals(0, told.counters().get("invalidations_dropped"));

            // A flood past the bound, told by the other member (nothing of its own waits yet).
            Set<String> heardBack = ConcurrentHashMap.newKeySet();
            told.listen(heardBack::add, pattern -> {});
            Invalidations flooding = cluster.members.get(1).invalidations();
            List<String> flood = new ArrayList<>();
            for (int i = 0; i < Invalidations.MAX_PENDING + 1_000; i++) {
                flood.add("http://example.com/flood/" + i);
            }
            flooding.publish(flood);

            await().atMost(Duration.ofSeconds(20)).until(() -> heardBack.size() == Invalidations.MAX_PENDING);
            assertEquals(1_000, flooding.counters().get("invalidations_dropped"), "what did not fit is counted");
            assertEquals((long) Invalidations.MAX_PENDING,
                    cluster.members.get(0).status(false).counters().get("invalidations_received"));
        }
    }
}
