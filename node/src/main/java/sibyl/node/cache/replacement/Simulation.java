package sibyl.node.cache.replacement;

import java.util.function.Consumer;

/**
 * A cache that holds nothing but its residents' hashes and weights, run beside the real one on
 * the same requests with another window share, to tell how many hits that share would have
 * made. It sees a sample of the URLs (those whose hash falls below the sample limit) and has the
 * same share of the real maximum, which keeps its hit ratio close to that of a full-sized one
 * (Waldspurger et al., "Efficient MRC construction with SHARDS", 2015).
 */
final class Simulation {
    private static final class Simulated extends Resident {
        Simulated(long hash) {
            super(hash);
        }
    }

    private final WindowTinyLfu policy;
    private final ResidentTable residents = new ResidentTable();
    private final Consumer<Resident> forget = evicted -> residents.remove(evicted.hash);
    private long hits;

    Simulation(long maximum, double windowShare, FrequencySketch sketch) {
        policy = new WindowTinyLfu(maximum, windowShare, sketch, null);
    }

    int size() {
        return residents.size();
    }

    /** Hits since the last {@link #takeHits}. */
    long takeHits() {
        long taken = hits;
        hits = 0;
        return taken;
    }

    /**
     * A request for the URL of {@code hash}: a hit if held; otherwise held from now on if its
     * {@code weight} is known (the real cache holds it), else once it is {@link #stored}.
     */
    void request(long hash, long weight) {
        Resident resident = residents.get(hash);
        if (resident != null) {
            hits++;
            policy.access(resident);
        } else if (weight >= 0) {
            add(hash, weight);
        }
    }

    /** The real cache stored the URL of {@code hash} with {@code weight}. */
    void stored(long hash, long weight) {
        Resident resident = residents.get(hash);
        if (resident == null) {
            add(hash, weight);
        } else {
            policy.reweigh(resident, weight);
            policy.evict(forget);
        }
    }

    /** The URL of {@code hash} was invalidated: no cache may hold it. */
    void removed(long hash) {
        Resident resident = residents.get(hash);
        if (resident != null) {
            policy.remove(resident);
            residents.remove(hash);
        }
    }

    /** Keeps only the URLs whose hash is below {@code sampleLimit}, within {@code maximum}. */
    void resample(long sampleLimit, long maximum) {
        residents.removeIf(resident -> {
            boolean drop = Long.compareUnsigned(resident.hash, sampleLimit) >= 0;
            if (drop) {
                policy.remove(resident);
            }
            return drop;
        });
        policy.maximum(maximum);
        policy.evict(forget);
    }

    private void add(long hash, long weight) {
        Resident resident = new Simulated(hash);
        residents.put(resident);
        policy.add(resident, weight);
        policy.evict(forget);
    }
}
