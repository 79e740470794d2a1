package sibyl.node.cache.replacement;

/**
 * How often each URL was asked for lately, approximately: a count-min sketch of 4-bit counters
 * (TinyLFU's), four per URL, the least of which is the estimate. Counts stop at 15 and all are
 * halved once the sketch has counted ten times as many requests as it has room for URLs, so that
 * what was popular a while ago fades. (A request for a URL whose counters are all at 15 counts
 * towards none of that.)
 *
 * <p>A URL's four counters lie in one 64-byte block of the table (Caffeine's layout), so counting
 * a request touches one cache line, and are chosen by its hash, which {@link Replacement#hash}
 * has mixed already. Sized by URLs, never by bytes: it grows with the number held (counts are
 * lost when it does, which happens only while the cache first fills). Not thread-safe.
 */
final class FrequencySketch {
    static final int MAX_COUNT = 15;
    private static final int MIN_URLS = 64;
    private static final int MAX_URLS = 1 << 26;
    private static final long ONE_NIBBLE_LOW_BITS = 0x7777_7777_7777_7777L;
    /** Longs in a block: 64 bytes. */
    private static final int BLOCK = 8;

    private long[] table;
    private int blockMask;
    private long countsUntilAgeing;
    private long agePeriod;

    FrequencySketch() {
        resize(MIN_URLS);
    }

    /** Makes room for about {@code urls} distinct URLs (never shrinks; forgets counts if it grows). */
    void ensureCapacity(long urls) {
        long wanted = Math.min(MAX_URLS, Math.max(MIN_URLS, Long.highestOneBit(Math.max(1, urls - 1)) << 1));
        if (wanted > table.length) {
            resize((int) wanted);
        }
    }

    /** Counts one request for the URL of {@code hash} (a {@link Replacement#hash} value). */
    void increment(long hash) {
        // Bits 32 and up choose the block; in it, bit r and bits 4r+4..4r+7 choose row r's counter.
        int block = ((int) (hash >>> 32) & blockMask) * BLOCK;
        boolean counted = false;
        for (int row = 0; row < 4; row++) {
            int index = block + (row << 1) + (int) ((hash >>> row) & 1);
            int shift = (int) ((hash >>> ((row << 2) + 4)) & 15) << 2;
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
        int block = ((int) (hash >>> 32) & blockMask) * BLOCK;
        int least = MAX_COUNT;
        for (int row = 0; row < 4; row++) {
            int index = block + (row << 1) + (int) ((hash >>> row) & 1);
            int shift = (int) ((hash >>> ((row << 2) + 4)) & 15) << 2;
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

    /** Sixteen counters (a long) per URL: few URLs share all four of theirs. */
    private void resize(int urls) {
        table = new long[urls];
        blockMask = urls / BLOCK - 1;
        agePeriod = 10L * urls;
        countsUntilAgeing = agePeriod;
    }
}
