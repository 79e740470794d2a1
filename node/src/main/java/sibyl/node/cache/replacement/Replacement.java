package sibyl.node.cache.replacement;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Which URLs a cache of bounded weight keeps: Window TinyLFU whose window follows the workload.
 *
 * <p>TinyLFU with a small window keeps what is asked for often and is not pushed out by scans and
 * one-hit wonders, but it shuts out a new working set: the URLs of the old one were asked for more
 * often, and their counts fade only after ten times as many requests as the cache holds URLs. LRU
 * takes a new working set at once and is pushed out by every scan. Neither is right for every
 * workload, and neither can tell, from the first request for a new URL, which workload it is in.
 *
 * <p>So two simulations run beside the cache on a sample of the same requests, one with each
 * window: {@linkplain Mode#RECENCY recency} (all window: LRU) and
 * {@linkplain Mode#FREQUENCY frequency} (1%, TinyLFU), and once a period (as many sampled requests
 * as the simulations hold URLs, within {@value #MIN_PERIOD}..{@value #PERIOD}) the cache takes the
 * window of the one that made clearly more hits lately (their counts halve every period). It
 * starts with recency, which does no worse until frequency has shown it pays. So a cache whose
 * working sets move on caches each new one as fast as LRU would, however many came before; a
 * workload with a popular core switches to frequency within a few periods of filling the cache;
 * and the first new working set after a long popular phase waits about two rounds for the mode to
 * change back.
 *
 * <p>Not thread-safe: the index calls it under its own lock.
 *
 * @param <R> what the caller ranks
 */
public final class Replacement<R extends Resident> {
    /** How the window is sized now. */
    public enum Mode {
        /** All window: what was asked for last is kept, as LRU keeps it. */
        RECENCY(1.0),
        /** A window of 1%: what is asked for often is kept; new URLs must earn their place. */
        FREQUENCY(0.01);

        final double windowShare;

        Mode(double windowShare) {
            this.windowShare = windowShare;
        }

        Mode other() {
            return this == RECENCY ? FREQUENCY : RECENCY;
        }
    }

    /**
     * What the policy is doing: its mode, what each simulation scored lately (hits, halved every
     * period), the share of URLs simulated, and how often the mode changed.
     */
    public record Status(Mode mode, double recencyScore, double frequencyScore, double sampleRate, long switches) {}

    /** Sampled requests between two choices of the mode: at most... */
    static final int PERIOD = 1024;
    /** ...and at least, whatever the number of URLs simulated. */
    static final int MIN_PERIOD = 128;
    /**
     * The most URLs a simulation holds before it samples half as many (about 64 bytes each):
     * enough to tell the two modes apart, few enough that simulating costs a fraction of the
     * cache's own bookkeeping (each simulated request walks its queues much as the cache does).
     */
    static final int SIMULATED_URLS = 4_096;
    /** How much more a simulation must score than the current mode's to change the mode. */
    private static final double LEAD = 1.02;
    private static final double MIN_LEAD_HITS = 8;

    private final long seed;
    private final FrequencySketch sketch = new FrequencySketch();
    private final WindowTinyLfu policy;
    private final long maximum;
    private final Simulation recency;
    private final Simulation frequency;
    private Mode mode = Mode.RECENCY;
    private int sampleHalvings;
    private int requestsThisPeriod;
    private double recencyScore;
    private double frequencyScore;
    private long switches;

    /** @param maximum the weight everything ranked may add up to */
    public Replacement(long maximum) {
        this(maximum, new SplittableRandom());
    }

    /** @param random seeds the hashes and draws the hash-flooding defence's admissions */
    Replacement(long maximum, SplittableRandom random) {
        this.maximum = maximum;
        this.seed = random.nextLong();
        this.policy = new WindowTinyLfu(maximum, mode.windowShare, sketch, random.split());
        this.recency = new Simulation(maximum, Mode.RECENCY.windowShare, sketch);
        this.frequency = new Simulation(maximum, Mode.FREQUENCY.windowShare, sketch);
    }

    /**
     * The hash this policy knows {@code key} by, from every character and a seed of its own
     * (not {@link String#hashCode}, whose collisions anyone can write down): so that nobody can
     * choose URLs that share a popular URL's counts. Never 0. Safe to call from any thread.
     */
    public long hash(String key) {
        long hash = seed;
        for (int i = 0; i < key.length(); i++) {
            hash = (hash ^ key.charAt(i)) * 0x0000_0100_0000_01B3L; // FNV-1a's prime
        }
        hash = mix(hash ^ key.length());
        return hash == 0 ? 1 : hash;
    }

    /**
     * A request for the URL of {@code resident}: a hit if it is ranked; a miss if it is not (not
     * yet added, or removed since).
     */
    public void requested(R resident) {
        if (!resident.ranked()) {
            requested(resident.hash);
            return;
        }
        sketch.increment(resident.hash);
        policy.access(resident);
        simulate(resident.hash, resident.weight);
    }

    /** A request for the URL of {@code hash}, which is not held: a miss. */
    public void requested(long hash) {
        sketch.increment(hash);
        simulate(hash, -1);
    }

    /** Ranks {@code resident}, just stored, with {@code weight}. */
    public void add(R resident, long weight) {
        policy.add(resident, weight);
        sketch.ensureCapacity(policy.size());
        if (sampled(resident.hash)) {
            recency.stored(resident.hash, weight);
            frequency.stored(resident.hash, weight);
        }
    }

    /** {@code resident}, ranked, was stored again, now with {@code weight}. */
    public void reweigh(R resident, long weight) {
        policy.reweigh(resident, weight);
        if (sampled(resident.hash)) {
            recency.stored(resident.hash, weight);
            frequency.stored(resident.hash, weight);
        }
    }

    /** {@code resident} was invalidated: neither this policy nor its simulations hold it any more. */
    public void remove(R resident) {
        policy.remove(resident);
        if (sampled(resident.hash)) {
            recency.removed(resident.hash);
            frequency.removed(resident.hash);
        }
    }

    /**
     * Evicts until what is ranked weighs no more than the maximum, handing each evicted resident to
     * {@code evicted} (which must not call back into this policy).
     */
    @SuppressWarnings("unchecked")
    public void evict(Consumer<? super R> evicted) {
        policy.evict(resident -> evicted.accept((R) resident));
    }

    /** How often {@code resident}'s URL was requested lately, as the frequency sketch estimates it (0..15). */
    public int frequency(R resident) {
        return sketch.frequency(resident.hash);
    }

    /** What the ranked residents weigh together. */
    public long weight() {
        return policy.weight();
    }

    /** What the policy is doing now. */
    public Status status() {
        return new Status(mode, recencyScore, frequencyScore, 1.0 / (1L << sampleHalvings), switches);
    }

    /** Murmur3's 64-bit finaliser: every input bit moves every output bit. */
    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
        x = (x ^ (x >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
        return x ^ (x >>> 33);
    }

    private boolean sampled(long hash) {
        return sampleHalvings == 0 || Long.compareUnsigned(hash, 1L << (64 - sampleHalvings)) < 0;
    }

    private void simulate(long hash, long weight) {
        if (!sampled(hash)) {
            return;
        }
        recency.request(hash, weight);
        frequency.request(hash, weight);
        if (++requestsThisPeriod >= Math.max(MIN_PERIOD, Math.min(PERIOD, recency.size()))) {
            choose();
        }
        if (Math.max(recency.size(), frequency.size()) > SIMULATED_URLS && sampleHalvings < 32) {
            sampleHalvings++;
            long sampleLimit = 1L << (64 - sampleHalvings);
            recency.resample(sampleLimit, maximum >>> sampleHalvings);
            frequency.resample(sampleLimit, maximum >>> sampleHalvings);
        }
    }

    private void choose() {
        requestsThisPeriod = 0;
        recencyScore = recencyScore / 2 + recency.takeHits();
        frequencyScore = frequencyScore / 2 + frequency.takeHits();
        double current = mode == Mode.RECENCY ? recencyScore : frequencyScore;
        double other = mode == Mode.RECENCY ? frequencyScore : recencyScore;
        if (other > current * LEAD + MIN_LEAD_HITS) {
            mode = mode.other();
            policy.windowShare(mode.windowShare);
            switches++;
        }
    }
}
