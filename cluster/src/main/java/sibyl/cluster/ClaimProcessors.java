package sibyl.cluster;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Changes to claims made where they are stored, on the partition owner, in one operation per batch. */
final class ClaimProcessors {
    private ClaimProcessors() {}

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
