package sibyl.node.cache.replacement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrequencySketchTest {
    final Replacement<PolicyHarness.Url> hashes = new Replacement<>(1, new SplittableRandom(1));

    @Test
    void countsRequestsUpToFifteen() {
        FrequencySketch sketch = new FrequencySketch();
        long hash = hashes.hash("http://example.com/a");
        assertEquals(0, sketch.frequency(hash));
        for (int i = 1; i <= 20; i++) {
            sketch.increment(hash);
            assertEquals(Math.min(i, FrequencySketch.MAX_COUNT), sketch.frequency(hash));
        }
    }

    @Test
    void ageingHalvesEveryCount() {
        FrequencySketch sketch = new FrequencySketch();
        long[] urls = {hashes.hash("http://example.com/12"), hashes.hash("http://example.com/5"),
            hashes.hash("http://example.com/1")};
        int[] counts = {12, 5, 1};
        for (int i = 0; i < urls.length; i++) {
            for (int n = 0; n < counts[i]; n++) {
                sketch.increment(urls[i]);
            }
        }
        sketch.age();
        assertEquals(6, sketch.frequency(urls[0]));
        assertEquals(2, sketch.frequency(urls[1]));
        assertEquals(0, sketch.frequency(urls[2]));
    }

    @ParameterizedTest(name = "room for {0} URLs")
    @ValueSource(ints = {64, 1024, 100_000})
    void itAgesOnceItHasCountedTenTimesItsRoom(int urls) {
        FrequencySketch sketch = new FrequencySketch();
        sketch.ensureCapacity(urls);
        assertTrue(sketch.agePeriod() >= 10L * urls);
        long popular = hashes.hash("http://example.com/popular");
        for (int i = 0; i < 12; i++) {
            sketch.increment(popular);
        }
        // New URLs, asked for once each: the popular one's counters may be raised by some that
        // share them, but only ageing lowers them.
        long aged = -1;
        for (long i = 0; i < sketch.agePeriod() && aged < 0; i++) {
            sketch.increment(hashes.hash("http://example.com/once/" + i));
            if (sketch.frequency(popular) < 12) {
                aged = i + 12 + 1;
            }
        }
        assertTrue(aged >= sketch.agePeriod() * 9 / 10 && aged <= sketch.agePeriod(),
                "aged after " + aged + " requests counted; period " + sketch.agePeriod());
        assertTrue(sketch.frequency(popular) <= 8, "halved: " + sketch.frequency(popular));
    }

    @Test
    void estimatesForManyUrlsAreRarelyInflated() {
        FrequencySketch sketch = new FrequencySketch();
        sketch.ensureCapacity(10_000);
        for (int i = 0; i < 10_000; i++) {
            sketch.increment(hashes.hash("http://example.com/" + i));
        }
        int inflated = 0;
        for (int i = 0; i < 10_000; i++) {
            inflated += sketch.frequency(hashes.hash("http://example.com/" + i)) > 1 ? 1 : 0;
        }
        assertTrue(inflated < 20, inflated + " of 10,000 URLs asked for once look asked for more");
    }

    @Test
    void growingForgetsButNeverShrinks() {
        FrequencySketch sketch = new FrequencySketch();
        long hash = hashes.hash("http://example.com/a");
        sketch.increment(hash);
        sketch.ensureCapacity(10);
        assertEquals(1, sketch.frequency(hash), "already room for 10");
        sketch.ensureCapacity(1000);
        assertEquals(0, sketch.frequency(hash), "grown for 1,000");
        long period = sketch.agePeriod();
        sketch.ensureCapacity(10);
        assertEquals(period, sketch.agePeriod());
    }
}
