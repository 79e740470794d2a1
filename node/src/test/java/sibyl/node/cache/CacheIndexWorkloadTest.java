package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sibyl.node.cache.FreshnessTest.headers;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.DirectBodyStore;
import sibyl.node.store.StoredBody;

/**
 * The index with real bodies, asked the way the proxy asks it (a lookup per request, a store
 * after each miss), under workloads whose admission matters: working sets that shift, a scan
 * through a popular load, and new large objects among popular small ones. The policy's own tests
 * hold it against LRU over many more traces ({@code ReplacementTest}).
 */
class CacheIndexWorkloadTest {
    static final HttpHeaders REQUEST = headers();

    final DirectBodyStore store = new DirectBodyStore();
    final byte[] zeros = new byte[1 << 20];
    CacheIndex index;

    @AfterEach
    void everyBodyIsFreedInTheEnd() {
        index.close();
        assertEquals(0, store.bytesHeld());
    }

    @ParameterizedTest(name = "{0} objects of {1} bytes a set, in 1 MiB")
    @CsvSource({"200, 4096", "100, 8192", "20, 40000"})
    void everyWorkingSetThatFitsIsServedFromItsSecondRound(int objects, int size) {
        index = new CacheIndex(1 << 20, 1 << 20, CacheIndexTest.SAME_THREAD);
        Random random = new Random(objects);
        for (int set = 0; set < 5; set++) {
            for (int round = 1; round <= 4; round++) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < objects; i++) {
                    order.add(i);
                }
                Collections.shuffle(order, random);
                int hits = 0;
                for (int id : order) {
                    hits += request("http://example.com/set" + set + "/" + id, size) ? 1 : 0;
                }
                if (round > 1) {
                    assertTrue(hits >= objects * 0.99, "set " + set + " round " + round + ": " + hits + " hits of "
                            + objects + "; " + index.replacement());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} new URLs after each popular one")
    @ValueSource(ints = {1, 2, 4})
    void aScanThroughAPopularLoadDoesNotPushItOut(int newPerPopular) {
        // 150 popular objects of 4 KiB take 60% of 1 MiB; LRU would keep the scan's objects instead.
        index = new CacheIndex(1 << 20, 1 << 20, CacheIndexTest.SAME_THREAD);
        double ratio = popularHitRatio(150, 4096, newPerPopular, 4096, 40_000);
        assertTrue(ratio > 0.9, "popular hit ratio " + ratio + "; " + index.replacement());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2})
    void newLargeObjectsDoNotPushOutPopularSmallOnes(int seed) {
        // 3,000 small objects take 3 MiB of 4; a new 512 KiB object comes every 1,000 requests.
        index = new CacheIndex(4 << 20, 1 << 20, CacheIndexTest.SAME_THREAD);
        double ratio = popularHitRatio(3000, 1000, 0.001, 512 << 10, 60_000 + seed);
        assertTrue(ratio > 0.9, "small objects' hit ratio " + ratio + "; " + index.replacement());
    }

    /**
     * Requests for {@code popular} objects in random order, each followed on average by
     * {@code newPerPopular} requests for new objects; the hit ratio of the popular ones over the
     * second half.
     */
    private double popularHitRatio(int popular, int popularSize, double newPerPopular, int newSize, int requests) {
        Random random = new Random(requests);
        long asked = 0;
        long hits = 0;
        long next = 0;
        double owed = 0;
        for (int i = 0; i < requests; i++) {
            boolean hit = request("http://example.com/popular/" + random.nextInt(popular), popularSize);
            if (i >= requests / 2) {
                asked++;
                hits += hit ? 1 : 0;
            }
            for (owed += newPerPopular; owed >= 1; owed--) {
                request("http://example.com/new/" + next++, newSize);
            }
        }
        return (double) hits / asked;
    }

    /** A request through the index: true on a hit; on a miss, the response is stored. */
    private boolean request(String url, int size) {
        CacheEntry entry = index.lookup(url, REQUEST);
        if (entry != null) {
            entry.body().release();
            return true;
        }
        BodyWriter writer = store.open(size);
        writer.write(Unpooled.wrappedBuffer(zeros, 0, size));
        StoredBody body = writer.finish();
        index.store(CacheIndexTest.entry(url, VaryKey.NONE, body), List.of());
        body.release();
        return false;
    }
}
