package sibyl.node.cache.replacement;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Window TinyLFU over weights (Einziger, Friedman and Manes; Caffeine's policy), with a window
 * whose share can be changed at any time:
 * <ul>
 *   <li>a new resident enters the <em>window</em>, an LRU queue;
 *   <li>what overflows the window is a <em>candidate</em> for the main space, an LRU
 *       <em>probation</em> queue and a <em>protected</em> one (80% of the main space) for those
 *       used again while on probation;
 *   <li>when the whole is over its maximum, a candidate and the least recently used resident on
 *       probation (the <em>victim</em>) are compared by how often their URLs were asked for
 *       lately: the less asked for is evicted, the candidate on a tie.
 * </ul>
 * With a window of 1% this keeps what is asked for often and rejects one-hit wonders and scans;
 * with all window it is LRU. {@link Replacement} chooses the share. Not thread-safe.
 */
final class WindowTinyLfu {
    /** Main space kept for residents used more than once on probation. */
    private static final double PROTECTED_SHARE = 0.8;
    /**
     * A candidate asked for this often that loses to its victim is admitted anyway, once in 128
     * times (Caffeine's answer to hash flooding): an attacker who makes a victim look popular
     * cannot keep every warm URL out.
     */
    private static final int WARM = 6;

    private final FrequencySketch sketch;
    private final SplittableRandom jitter;
    private final Queue window = new Queue();
    private final Queue probation = new Queue();
    private final Queue protectedQueue = new Queue();
    private long maximum;
    private double windowShare;
    private long windowMaximum;
    private long protectedMaximum;

    /**
     * @param sketch the request counts admission compares (shared with whoever counts them)
     * @param jitter where the hash-flooding defence draws from; null for none (simulations,
     *     which must answer the same way every time)
     */
    WindowTinyLfu(long maximum, double windowShare, FrequencySketch sketch, SplittableRandom jitter) {
        this.sketch = sketch;
        this.jitter = jitter;
        this.maximum = maximum;
        windowShare(windowShare);
    }

    /** Changes the maximum; the next {@link #evict} brings the residents within it. */
    void maximum(long maximum) {
        this.maximum = maximum;
        windowShare(windowShare);
    }

    /** Gives the window {@code share} of the maximum; the next {@link #evict} moves what overflows. */
    void windowShare(double share) {
        windowShare = share;
        windowMaximum = (long) (maximum * share);
        protectedMaximum = (long) ((maximum - windowMaximum) * PROTECTED_SHARE);
    }

    /** What the residents weigh together. */
    long weight() {
        return window.weight() + probation.weight() + protectedQueue.weight();
    }

    int size() {
        return window.size() + probation.size() + protectedQueue.size();
    }

    /** Counts a use of {@code resident}: the most recently used of its queue, or protected if on probation. */
    void access(Resident resident) {
        Queue queue = resident.queue;
        if (queue == probation) {
            probation.remove(resident);
            protectedQueue.addLast(resident);
        } else if (queue != null) {
            queue.moveToLast(resident);
        }
    }

    /** Adds {@code resident}, ranked by no queue, to the window. */
    void add(Resident resident, long weight) {
        resident.weight = weight;
        window.addLast(resident);
    }

    /** Counts {@code weight} for {@code resident} from now on. */
    void reweigh(Resident resident, long weight) {
        if (resident.queue != null) {
            resident.queue.reweigh(resident, weight);
        }
    }

    /** Stops ranking {@code resident}, if it was. */
    void remove(Resident resident) {
        if (resident.queue != null) {
            resident.queue.remove(resident);
        }
    }

    /**
     * Brings the residents within the maximum, handing each it evicts to {@code evicted}, which
     * must not call back into this policy.
     */
    void evict(Consumer<Resident> evicted) {
        demoteFromProtected();
        Resident candidate = moveWindowOverflowToProbation();
        Queue victims = probation;
        Resident victim = probation.first();
        while (weight() > maximum) {
            if (candidate == null && victim == null) {
                if (victims == probation) {
                    victims = protectedQueue;
                } else if (victims == protectedQueue) {
                    victims = window;
                } else {
                    return; // nothing left to evict
                }
                victim = victims.first();
                continue;
            }
            if (victim == null) {
                candidate = evict(candidate, evicted);
            } else if (candidate == null || candidate == victim) {
                if (candidate == victim) {
                    candidate = null;
                }
                victim = evict(victim, evicted);
            } else if (candidate.weight > maximum || !admit(candidate, victim)) {
                candidate = evict(candidate, evicted);
            } else {
                victim = evict(victim, evicted);
                candidate = probation.after(candidate);
            }
        }
    }

    /** Moves what overflows the window to the end of probation; returns the first so moved, or null. */
    private Resident moveWindowOverflowToProbation() {
        Resident first = null;
        while (window.weight() > windowMaximum) {
            Resident oldest = window.first();
            if (oldest == null) {
                break;
            }
            window.remove(oldest);
            probation.addLast(oldest);
            if (first == null) {
                first = oldest;
            }
        }
        return first;
    }

    private void demoteFromProtected() {
        while (protectedQueue.weight() > protectedMaximum) {
            Resident oldest = protectedQueue.first();
            protectedQueue.remove(oldest);
            probation.addLast(oldest);
        }
    }

    private boolean admit(Resident candidate, Resident victim) {
        int candidateCount = sketch.frequency(candidate.hash);
        if (candidateCount > sketch.frequency(victim.hash)) {
            return true;
        }
        return candidateCount >= WARM && jitter != null && jitter.nextInt(128) == 0;
    }

    /** Evicts {@code resident} and returns the one after it in its queue, or null. */
    private static Resident evict(Resident resident, Consumer<Resident> evicted) {
        Queue queue = resident.queue;
        Resident next = queue.after(resident);
        queue.remove(resident);
        evicted.accept(resident);
        return next;
    }
}
