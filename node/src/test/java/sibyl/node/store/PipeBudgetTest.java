package sibyl.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import sibyl.config.CacheSettings;
import sibyl.config.SettingsException;
import sibyl.config.SettingsLoader;
import sibyl.node.splice.PipeLimits;

/** What cache.pipe may take of a kernel's limits: "auto" worked out, explicit values checked. */
class PipeBudgetTest {
    private static final int MIB = 1 << 20;
    /** Linux's defaults for a process without CAP_SYS_RESOURCE or CAP_SYS_ADMIN. */
    private static final PipeLimits UNPRIVILEGED = new PipeLimits(MIB, 16384, 4096, 20_000, false);

    private static CacheSettings cache(String... variables) {
        Map<String, String> environment = new java.util.HashMap<>();
        for (int i = 0; i < variables.length; i += 2) {
            environment.put(variables[i], variables[i + 1]);
        }
        return SettingsLoader.load(null, environment).cache();
    }

    @Test
    void autoTakesHalfOfTheUsersPipePagesLessTheScratchPipes() {
        PlacedBodyStore.Budget budget = PlacedBodyStore.budget(cache(), UNPRIVILEGED);
        // 64 MiB of pages: 32 for Sibyl, of which 65 pipes of 256 KiB (64 transfers and the copy pipe) are scratch.
        assertEquals(32L * MIB - 65L * 256 * 1024, budget.memory());
        assertEquals(10_000, budget.descriptors(), "half of RLIMIT_NOFILE");
    }

    @Test
    void withoutAPageLimitAutoIsTheWholeCache() {
        PipeLimits exempt = new PipeLimits(MIB, 16384, 4096, 20_000, true);
        assertEquals(256L * MIB, PlacedBodyStore.budget(cache(), exempt).memory());
        PipeLimits unlimited = new PipeLimits(MIB, 0, 4096, 20_000, false);
        assertEquals(256L * MIB, PlacedBodyStore.budget(cache(), unlimited).memory());
    }

    @Test
    void autoNeverTakesMoreThanTheCache() {
        assertEquals(8L * MIB, PlacedBodyStore.budget(cache("SIBYL_CACHE_MEMORY", "8m"), UNPRIVILEGED).memory());
    }

    @Test
    void explicitValuesBeyondTheKernelsLimitsStopStartNamingTheKeys() {
        SettingsException memory = assertThrows(SettingsException.class,
                () -> PlacedBodyStore.budget(cache("SIBYL_CACHE_PIPE_MEMORY", "60m"), UNPRIVILEGED));
        assertTrue(memory.getMessage().startsWith("cache.pipe.memory = 62914560 plus cache.pipe.transfers x cache.pipe.size"),
                memory.getMessage());
        assertTrue(memory.getMessage().contains("fs.pipe-user-pages-soft = 16384 pages"), memory.getMessage());

        SettingsException size = assertThrows(SettingsException.class,
                () -> PlacedBodyStore.budget(cache("SIBYL_CACHE_PIPE_SIZE", "2m"), UNPRIVILEGED));
        assertTrue(size.getMessage().startsWith("cache.pipe.size = 2097152 is above fs.pipe-max-size (1048576"),
                size.getMessage());

        SettingsException descriptors = assertThrows(SettingsException.class,
                () -> PlacedBodyStore.budget(cache("SIBYL_CACHE_PIPE_DESCRIPTORS", "19900"), UNPRIVILEGED));
        assertTrue(descriptors.getMessage().startsWith("cache.pipe.descriptors = 19900 leaves fewer than 256"),
                descriptors.getMessage());
    }

    @Test
    void explicitValuesWithinTheLimitsAreTakenAsGiven() {
        PlacedBodyStore.Budget budget = PlacedBodyStore.budget(cache("SIBYL_CACHE_PIPE_MEMORY", "16m",
                "SIBYL_CACHE_PIPE_DESCRIPTORS", "500"), UNPRIVILEGED);
        assertEquals(16L * MIB, budget.memory());
        assertEquals(500, budget.descriptors());
    }
}
