package sibyl.node.cache.replacement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WindowTinyLfuTest {
    final FrequencySketch sketch = new FrequencySketch();
    final List<Resident> evicted = new ArrayList<>();

    @ParameterizedTest(name = "window {0}, seed {1}")
    @CsvSource({"0.01, 1", "0.2, 2", "1.0, 3", "0.0, 4"})
    void staysWithinItsMaximumAndEvictsOnlyWhatItRanks(double share, long seed) {
        WindowTinyLfu policy = new WindowTinyLfu(100_000, share, sketch, new SplittableRandom(seed));
        SplittableRandom random = new SplittableRandom(seed);
        Set<Resident> ranked = new HashSet<>();
        List<Resident> all = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            int action = random.nextInt(10);
            if (action < 4 || all.isEmpty()) {
                Resident resident = new PolicyHarness.Url(random.nextLong() | 1, step);
                sketch.increment(resident.hash);
                policy.add(resident, 1 + random.nextInt(action == 0 ? 60_000 : 4_000));
                ranked.add(resident);
                all.add(resident);
            } else {
                Resident resident = all.get(random.nextInt(all.size()));
                sketch.increment(resident.hash);
                if (action < 7) {
                    policy.access(resident);
                } else if (action < 9) {
                    policy.reweigh(resident, 1 + random.nextInt(4_000));
                } else {
                    policy.remove(resident);
                    ranked.remove(resident);
                }
            }
            policy.evict(evicted::add);
            for (Resident gone : evicted) {
                assertTrue(ranked.remove(gone), "evicted something it did not rank");
                assertFalse(gone.ranked());
            }
            evicted.clear();
            assertTrue(policy.weight() <= 100_000, "weight " + policy.weight());
            assertEquals(ranked.size(), policy.size());
        }
    }

    @Test
    void aCandidateAskedForMoreOftenThanTheVictimTakesItsPlace() {
        WindowTinyLfu policy = new WindowTinyLfu(10, 0.0, sketch, null);
        Resident old = resident(1, 2);
        Resident popular = resident(2, 5);
        policy.add(old, 10);
        policy.evict(evicted::add);
        policy.add(popular, 10);
        policy.evict(evicted::add);
        assertEquals(List.of(old), evicted);
        assertTrue(popular.ranked());
    }

    @Test
    void aCandidateAskedForNoMoreOftenThanTheVictimIsRejected() {
        WindowTinyLfu policy = new WindowTinyLfu(10, 0.0, sketch, null);
        Resident old = resident(1, 3);
        Resident scan = resident(2, 3);
        policy.add(old, 10);
        policy.evict(evicted::add);
        policy.add(scan, 10);
        policy.evict(evicted::add);
        assertEquals(List.of(scan), evicted);
        assertTrue(old.ranked());
    }

    @Test
    void aCandidateHeavierThanTheWholeIsNeverKept() {
        WindowTinyLfu policy = new WindowTinyLfu(10, 0.5, sketch, null);
        Resident huge = resident(1, 15);
        policy.add(huge, 11);
        policy.evict(evicted::add);
        assertEquals(List.of(huge), evicted);
        assertEquals(0, policy.weight());
    }

    @Test
    void withAllWindowItEvictsTheLeastRecentlyUsed() {
        WindowTinyLfu policy = new WindowTinyLfu(30, 1.0, sketch, null);
        Resident a = resident(1, 15);
        Resident b = resident(2, 15);
        Resident c = resident(3, 0);
        policy.add(a, 10);
        policy.add(b, 10);
        policy.add(c, 10);
        policy.access(a);
        policy.add(resident(4, 0), 10);
        policy.evict(evicted::add);
        assertEquals(List.of(b), evicted, "b is the least recently used, however often it was asked for");
    }

    private Resident resident(long id, int requests) {
        Resident resident = new PolicyHarness.Url(id * 0x9E37_79B9_7F4A_7C15L, id);
        for (int i = 0; i < requests; i++) {
            sketch.increment(resident.hash);
        }
        return resident;
    }
}
