package sibyl.node.cache.replacement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import sibyl.node.cache.replacement.PolicyHarness.Cache;

/**
 * The policy against the workloads it must follow, each against LRU of the same maximum: working
 * sets that shift, Zipf loads over a realistic size mix, a scan or one-hit wonders mixed into a
 * popular load, and objects of very different sizes.
 */
class ReplacementTest {
    static final long MIB = 1 << 20;

    @ParameterizedTest(name = "sets of {0} objects of {1} bytes in 16 MiB, seed {2}")
    @CsvSource({"200, 65536, 1", "200, 65536, 2", "120, 65536, 3", "240, 65536, 4", "2000, 4096, 5", "12, 1048576, 6"})
    void everyWorkingSetThatFitsIsCachedFromItsSecondRound(int objects, int weight, long seed) {
        Cache cache = PolicyHarness.replacement(16 * MIB, seed);
        Random random = new Random(seed);
        for (int set = 0; set < 8; set++) {
            for (int round = 1; round <= 4; round++) {
                int hits = 0;
                for (int id : shuffled(objects, random)) {
                    hits += cache.request(set * 1_000_000L + id, weight) ? 1 : 0;
                }
                if (round > 1) {
                    assertTrue(hits >= objects * 0.99, "set " + set + " round " + round + ": " + hits + " hits of " + objects);
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void afterAPopularLoadOnlyTheFirstNewWorkingSetWaitsForTheModeToChange(long seed) {
        Replacement<PolicyHarness.Url> policy = new Replacement<>(16 * MIB, new SplittableRandom(seed));
        PolicyHarness.Held held = new PolicyHarness.Held(policy);
        Workload.zipf(0.9, 2000, 30_000, seed).replay(held);
        assertEquals(Replacement.Mode.FREQUENCY, policy.status().mode(), "a Zipf load over 2,000 objects");

        Random random = new Random(seed);
        for (int set = 0; set < 4; set++) {
            for (int round = 1; round <= 4; round++) {
                int hits = 0;
                for (int id : shuffled(200, random)) {
                    hits += held.request((set + 1) * 1_000_000L + id, 64 * 1024) ? 1 : 0;
                }
                // The first set is shut out until the simulations have seen its second round.
                if (set == 0 ? round == 4 : round > 1) {
                    assertTrue(hits >= 198, "set " + set + " round " + round + ": " + hits + " hits; " + policy.status());
                }
            }
        }
    }

    @ParameterizedTest(name = "Zipf {0}")
    @ValueSource(doubles = {0.7, 0.9, 1.1})
    void aZipfLoadOverMixedSizesHitsMoreThanLruInObjectsAndBytes(double exponent) {
        Workload zipf = Workload.zipf(exponent, 20_000, 300_000, 11);
        Outcome policy = zipf.replay(PolicyHarness.replacement(256 * MIB, 11));
        Outcome lru = zipf.replay(PolicyHarness.lru(256 * MIB));

        assertTrue(policy.objectRatio() > lru.objectRatio() * 1.05, policy + " against LRU " + lru);
        assertTrue(policy.byteRatio() > lru.byteRatio() * 1.05, policy + " against LRU " + lru);
    }

    @ParameterizedTest(name = "{0} requests for new URLs to one for a popular one")
    @ValueSource(ints = {1, 2, 4})
    void aScanMixedIntoAPopularLoadDoesNotPushItOut(int scanPerPopular) {
        // 150 popular objects take 60% of memory; between two requests for one of them come about
        // 150 * scanPerPopular new ones, which LRU has room for no more than the popular ones.
        Workload workload = Workload.popularWithNew(150, 64 * 1024, scanPerPopular, 64 * 1024, 60_000, 21);
        Cache policyCache = PolicyHarness.replacement(16 * MIB, 21);
        Cache lruCache = PolicyHarness.lru(16 * MIB);

        Outcome policy = workload.replayPopular(policyCache);
        Outcome lru = workload.replayPopular(lruCache);

        assertTrue(policy.objectRatio() > 0.9, "popular hits " + policy + ", LRU " + lru);
        assertTrue(policy.objectRatio() > lru.objectRatio() + 0.3, "popular hits " + policy + ", LRU " + lru);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {31, 32, 33})
    void largeNewObjectsDoNotPushOutPopularSmallOnes(long seed) {
        // 3,000 small objects (12 MiB) asked for in random order, and a new 4 MiB object every
        // 1,000 requests: between two requests for a small one come three large ones, and LRU
        // keeps the large ones.
        Workload workload = Workload.popularWithNew(3000, 4096, 0.001, 4 * MIB, 120_000, seed);

        Outcome policy = workload.replayPopular(PolicyHarness.replacement(16 * MIB, seed));
        Outcome lru = workload.replayPopular(PolicyHarness.lru(16 * MIB));

        assertTrue(policy.objectRatio() > 0.9, "small objects' hits " + policy + ", LRU " + lru);
        assertTrue(policy.objectRatio() > lru.objectRatio() + 0.3, "small objects' hits " + policy + ", LRU " + lru);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {41, 42})
    void aLargeObjectAskedForOftenIsAdmitted(long seed) {
        Replacement<PolicyHarness.Url> policy = new Replacement<>(16 * MIB, new SplittableRandom(seed));
        PolicyHarness.Held held = new PolicyHarness.Held(policy);
        Workload zipf = Workload.zipf(0.9, 5_000, 20_000, seed);
        for (int i = 0; i < zipf.ids.length; i++) {
            held.request(zipf.ids[i], 4096);
            if (i % 20 == 0) {
                held.request(-1, 2 * MIB);
            }
        }
        assertTrue(held.holds(-1), "the large object asked for every 20 requests; " + policy.status());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {51, 52})
    void theModeFollowsTheWorkload(long seed) {
        Replacement<PolicyHarness.Url> policy = new Replacement<>(16 * MIB, new SplittableRandom(seed));
        PolicyHarness.Held held = new PolicyHarness.Held(policy);
        assertEquals(Replacement.Mode.RECENCY, policy.status().mode(), "before anything is known");

        Workload.popularWithNew(150, 64 * 1024, 2, 64 * 1024, 30_000, seed).replayPopular(held::request);
        assertEquals(Replacement.Mode.FREQUENCY, policy.status().mode(), "a popular load with a scan through it");

        Random random = new Random(seed);
        for (int set = 0; set < 4; set++) {
            for (int round = 0; round < 4; round++) {
                for (int id : shuffled(200, random)) {
                    held.request(10_000_000L * (set + 1) + id, 64 * 1024);
                }
            }
        }
        assertEquals(Replacement.Mode.RECENCY, policy.status().mode(), "working sets that shift");
    }

    static List<Integer> shuffled(int count, Random random) {
        List<Integer> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, random);
        return ids;
    }

    /** Hits over requests, and hit bytes over requested bytes. */
    record Outcome(double objectRatio, double byteRatio) {
        @Override
        public String toString() {
            return String.format("%.3f of requests, %.3f of bytes", objectRatio, byteRatio);
        }
    }

    /** A trace: ids and weights, and which ids are the popular ones. */
    static final class Workload {
        final long[] ids;
        final long[] weights;
        final boolean[] popular;

        private Workload(long[] ids, long[] weights, boolean[] popular) {
            this.ids = ids;
            this.weights = weights;
            this.popular = popular;
        }

        /**
         * {@code requests} requests for {@code objects} objects ranked by Zipf({@code exponent}),
         * sizes unrelated to rank: 60% of 1-16 KiB, 30% of 16-256 KiB, 8% of 256 KiB-2 MiB, 2% of
         * 2-32 MiB (log-uniform within each band).
         */
        static Workload zipf(double exponent, int objects, int requests, long seed) {
            double[] cumulative = new double[objects];
            double sum = 0;
            for (int rank = 0; rank < objects; rank++) {
                sum += 1 / Math.pow(rank + 1, exponent);
                cumulative[rank] = sum;
            }
            Random random = new Random(seed);
            long[] ids = new long[requests];
            long[] weights = new long[requests];
            for (int i = 0; i < requests; i++) {
                int rank = java.util.Arrays.binarySearch(cumulative, random.nextDouble() * sum);
                ids[i] = rank < 0 ? -rank - 1 : rank;
                weights[i] = sizeOf(ids[i], seed);
            }
            return new Workload(ids, weights, new boolean[requests]);
        }

        /**
         * Requests for {@code popularObjects} objects of {@code popularWeight} in random order,
         * and after each, on average {@code newPerPopular} requests for objects of
         * {@code newWeight} never asked for before.
         */
        static Workload popularWithNew(int popularObjects, long popularWeight, double newPerPopular, long newWeight,
                int requests, long seed) {
            Random random = new Random(seed);
            long[] ids = new long[requests];
            long[] weights = new long[requests];
            boolean[] popular = new boolean[requests];
            long next = 1L << 40;
            double owed = 0;
            for (int i = 0; i < requests; ) {
                ids[i] = random.nextInt(popularObjects);
                popular[i] = true;
                weights[i++] = popularWeight;
                for (owed += newPerPopular; owed >= 1 && i < requests; owed--) {
                    ids[i] = next++;
                    weights[i++] = newWeight;
                }
            }
            return new Workload(ids, weights, popular);
        }

        Outcome replay(Cache cache) {
            long hits = 0;
            long hitBytes = 0;
            long bytes = 0;
            for (int i = 0; i < ids.length; i++) {
                bytes += weights[i];
                if (cache.request(ids[i], weights[i])) {
                    hits++;
                    hitBytes += weights[i];
                }
            }
            return new Outcome((double) hits / ids.length, (double) hitBytes / bytes);
        }

        /** Replays it all, and counts the requests for popular objects in its second half. */
        Outcome replayPopular(Cache cache) {
            long asked = 0;
            long hits = 0;
            for (int i = 0; i < ids.length; i++) {
                boolean hit = cache.request(ids[i], weights[i]);
                if (popular[i] && i >= ids.length / 2) {
                    asked++;
                    hits += hit ? 1 : 0;
                }
            }
            return new Outcome((double) hits / asked, (double) hits / asked);
        }

        private static long sizeOf(long id, long seed) {
            Random random = new Random(id * 0x9E37_79B9_7F4A_7C15L ^ seed);
            double band = random.nextDouble();
            double low;
            double high;
            if (band < 0.60) {
                low = 1 << 10;
                high = 16 << 10;
            } else if (band < 0.90) {
                low = 16 << 10;
                high = 256 << 10;
            } else if (band < 0.98) {
                low = 256 << 10;
                high = 2 << 20;
            } else {
                low = 2 << 20;
                high = 32 << 20;
            }
            return Math.round(Math.exp(Math.log(low) + random.nextDouble() * (Math.log(high) - Math.log(low))));
        }
    }
}
