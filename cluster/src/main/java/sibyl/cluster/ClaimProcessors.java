package sibyl.cluster;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Changes to claims made where they are stored, on the partition owner, in one operation per batch. */
final class ClaimProcessors {
    private ClaimProcessors() {}

    /**
     * Claims each key for {@code holder} until its time in {@code expiries}, unless another
     * member's claim stands there: unexpired, by one of {@code standing} (the claimer's live
     * members that are not draining). False where refused. The first holder's record is the one
     * the cluster routes by; a second holder of the same URL (both sides of a network split
     * stored it, or a claim queued before a partition moved arrives after the new holder's) is
     * told so, and drops its copy. A put would let the later write win, even a stale one.
     */
    record ClaimUnlessHeld(UUID holder, Set<UUID> standing, long nowMillis, Map<String, Long> expiries)
            implements EntryProcessor<String, long[], Boolean> {
        @Override
        public Boolean process(Map.Entry<String, long[]> entry) {
            Claim current = Claim.fromWire(entry.getValue());
            if (current != null && !current.holder().equals(holder) && current.expiresAtMillis() > nowMillis
                    && standing.contains(current.holder())) {
                return false;
            }
            entry.setValue(new Claim(holder, expiries.get(entry.getKey())).toWire());
            return true;
        }
    }

    /** Removes a claim if {@code holder} wrote it: a release never removes another member's newer claim. */
    record ReleaseIfHeldBy(UUID holder) implements EntryProcessor<String, long[], Boolean> {
        @Override
        public Boolean process(Map.Entry<String, long[]> entry) {
            Claim claim = Claim.fromWire(entry.getValue());
            if (claim != null && claim.holder().equals(holder)) {
                entry.setValue(null);
                return true;
            }
            return false;
        }
    }

    /** Removes a claim that has expired or whose holder is not one of {@code live}. */
    record RemoveIfVoid(Set<UUID> live, long nowMillis) implements EntryProcessor<String, long[], Boolean> {
        @Override
        public Boolean process(Map.Entry<String, long[]> entry) {
            Claim claim = Claim.fromWire(entry.getValue());
            if (claim == null || claim.expiresAtMillis() <= nowMillis || !live.contains(claim.holder())) {
                entry.setValue(null);
                return true;
            }
            return false;
        }
    }
}
