package sibyl.node.cache.replacement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResidentTableTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void agreesWithAHashMapThroughPutsRemovesAndResamples(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ResidentTable table = new ResidentTable();
        Map<Long, Resident> expected = new HashMap<>();
        // Few distinct hashes with colliding low bits, so probes run long and removals shift.
        for (int step = 0; step < 50_000; step++) {
            long hash = (random.nextInt(2_000) + 1L) << (random.nextBoolean() ? 0 : 32);
            if (random.nextInt(3) == 0) {
                table.remove(hash);
                expected.remove(hash);
            } else if (!expected.containsKey(hash)) {
                Resident resident = new PolicyHarness.Url(hash, step);
                table.put(resident);
                expected.put(hash, resident);
            }
            if (step % 10_000 == 9_999) {
                table.removeIf(resident -> resident.hash % 3 == 0);
                expected.values().removeIf(resident -> resident.hash % 3 == 0);
            }
            assertEquals(expected.size(), table.size());
        }
        for (long hash = 1; hash <= 2_000; hash++) {
            for (long key : new long[] {hash, hash << 32}) {
                Resident resident = expected.get(key);
                if (resident == null) {
                    assertNull(table.get(key));
                } else {
                    assertSame(resident, table.get(key));
                }
            }
        }
    }
}
