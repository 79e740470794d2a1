package sibyl.node.cache.replacement;

/**
 * How often each URL was asked for lately, approximately: a count-min sketch of 4-bit counters
 * (TinyLFU's), four per URL, the least of which is the estimate. Counts stop at 15 and all are
 * halved once the sketch has counted ten times as many requests as it has room for URLs, so that
 * what was popular a while ago fades. (A request for a URL whose counters are all at 15 counts
 * towards none of that.)
 *
 * <p>Sized by URLs, never by bytes: it grows with the number held (counts are lost when it does,
 * which happens only while the cache first fills). Not thread-safe.
 */
final class FrequencySketch {
    static final int MAX_COUNT = 15;
    private static final int MIN_COUNTERS = 64;
    private static final int MAX_COUNTERS = 1 << 26;
    private static final long ONE_NIBBLE_LOW_BITS = 0x7777_7777_7777_7777L;
    private static final long[] ROW_SEEDS = {
        0x9E37_79B9_7F4A_7C15L, 0xC2B2_AE3D_27D4_EB4FL, 0x1656_67B1_9E37_79F9L, 0xD6E8_FEB8_6659_FD93L};

    private long[] table;
    private int mask;
    private long countsUntilAgeing;
    private long agePeriod;

    FrequencySketch() {
        resize(MIN_COUNTERS);
    }

    /** Makes room for about {@code urls} distinct URLs (never shrinks; forgets counts if it grows). */
    void ensureCapacity(long urls) {
        long wanted = Math.min(MAX_COUNTERS, Math.max(MIN_COUNTERS, Long.highestOneBit(Math.max(1, urls - 1)) << 1));
        if (wanted > table.length) {
            resize((int) wanted);
        }
    }

    /** Counts one request for the URL of {@code hash} (a {@link Replacement#hash} value). */
    void increment(long hash) {
        boolean counted = false;
        for (int row = 0; row < ROW_SEEDS.length; row++) {
            long h = mix(hash + ROW_SEEDS[row]);
            int index = (int) (h >>> 32) & mask;
            int shift = ((int) h & 15) << 2;
            if (((table[index] >>> shift) & 15) < MAX_COUNT) {
                table[index] += 1L << shift;
                counted = true;
            }
        }
        if (counted && --countsUntilAgeing == 0) {
            age();
        }
    }

    /** The URL's estimated count of recent requests, 0 to 15. */
    int frequency(long hash) {
        int least = MAX_COUNT;
        for (int row = 0; row < ROW_SEEDS.length; row++) {
            long h = mix(hash + ROW_SEEDS[row]);
            int index = (int) (h >>> 32) & mask;
            int shift = ((int) h & 15) << 2;
            least = Math.min(least, (int) ((table[index] >>> shift) & 15));
        }
        return least;
    }

    /** Requests counted between two halvings of every count. */
    long agePeriod() {
        return agePeriod;
    }

    /** Halves every count. */
    void age() {
        for (int i = 0; i < table.length; i++) {
            table[i] = (table[i] >>> 1) & ONE_NIBBLE_LOW_BITS;
        }
        countsUntilAgeing = agePeriod / 2; // half the counted requests survive the halving
    }

    /** Sixteen counters (a long) per URL, four of which count it: few URLs share all four. */
    private void resize(int urls) {
        table = new long[urls];
        mask = table.length - 1;
        agePeriod = 10L * urls;
        countsUntilAgeing = agePeriod;
    }

    /** Murmur3's 64-bit finaliser: every input bit moves every output bit. */
    static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
        x = (x ^ (x >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
        return x ^ (x >>> 33);
    }
}
