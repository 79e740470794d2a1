package sibyl.bench.hitratio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticTraceTest {
    static final SyntheticTrace.Shape SHAPE = new SyntheticTrace.Shape(1000, 100_000, 7, new SizeMix(7, 1));
    static final SyntheticTrace.Sets SETS = new SyntheticTrace.Sets(3, 200, 4, 65536, 7);

    @Test
    void theSameSeedGivesTheSameTrace() throws IOException {
        for (String name : SyntheticTrace.NAMES) {
            assertEquals(TraceFileTest.read(SyntheticTrace.named(name, SHAPE, SETS)),
                    TraceFileTest.read(SyntheticTrace.named(name, SHAPE, SETS)), name);
        }
    }

    @Test
    void shiftAsksForEachSetsObjectsOncePerRoundThenMovesOn() throws IOException {
        SyntheticTrace shift = SyntheticTrace.named("shift", SHAPE, SETS);
        List<List<Long>> requests = TraceFileTest.read(shift);
        assertEquals(3 * 4 * 200, requests.size());
        assertEquals(200, shift.window());
        assertEquals(4, shift.windowsPerGroup());
        Set<Long> previousSets = new HashSet<>();
        for (int set = 0; set < 3; set++) {
            Set<Long> firstRound = new HashSet<>();
            for (int round = 0; round < 4; round++) {
                Set<Long> ids = new HashSet<>();
                for (int i = 0; i < 200; i++) {
                    List<Long> request = requests.get((set * 4 + round) * 200 + i);
                    ids.add(request.get(0));
                    assertEquals(65536L, request.get(1));
                }
                assertEquals(200, ids.size(), "each object once a round");
                if (round == 0) {
                    firstRound = ids;
                    ids.forEach(id -> assertTrue(!previousSets.contains(id), "a set of new objects"));
                } else {
                    assertEquals(firstRound, ids);
                }
            }
            previousSets.addAll(firstRound);
        }
    }

    @Test
    void zipfFavoursLowRanksAndEachObjectKeepsItsSize() throws IOException {
        Map<Long, Long> sizes = new HashMap<>();
        int[] counts = new int[1000];
        for (List<Long> request : TraceFileTest.read(SyntheticTrace.named("zipf-0.9", SHAPE, SETS))) {
            Long previous = sizes.put(request.get(0), request.get(1));
            assertTrue(previous == null || previous.equals(request.get(1)), "one size per object");
            counts[request.get(0).intValue()]++;
        }
        assertTrue(counts[0] > 5 * counts[99], "rank 1 against rank 100: " + counts[0] + " / " + counts[99]);
        long small = sizes.values().stream().filter(size -> size <= 16 << 10).count();
        assertTrue(small > sizes.size() / 2, "most objects small: " + small + " of " + sizes.size());
    }

    @Test
    void scansAndOneHitWondersAskForNewObjectsOnce() throws IOException {
        for (String name : List.of("scan", "one-hit-wonders")) {
            Map<Long, Integer> asked = new HashMap<>();
            for (List<Long> request : TraceFileTest.read(SyntheticTrace.named(name, SHAPE, SETS))) {
                asked.merge(request.get(0), 1, Integer::sum);
            }
            long once = asked.entrySet().stream().filter(entry -> entry.getKey() >= 1L << 40).count();
            assertTrue(once > 1000, name + ": " + once + " new objects");
            asked.forEach((id, times) -> assertTrue(id < 1L << 40 || times == 1, name + ": " + id + " asked " + times));
        }
    }

    @Test
    void anUnknownNameSaysWhichAreKnown() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SyntheticTrace.named("zipf", SHAPE, SETS));
        assertTrue(error.getMessage().contains("zipf-0.7"), error.getMessage());
        error = assertThrows(IllegalArgumentException.class, () -> SyntheticTrace.named("zipf-x", SHAPE, SETS));
        assertTrue(error.getMessage().contains("not a number"), error.getMessage());
    }
}
