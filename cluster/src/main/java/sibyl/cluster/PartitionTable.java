package sibyl.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import java.util.BitSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hazelcast's partition table as the ownership reads it: a URL's partition (worked out without
 * serialising the URL), its owner now, and, for a partition this member has just been given,
 * the member that had it, which still holds its URLs until their claims arrive (the handover).
 * Reads are local; {@link #refresh} compares the table with what it saw last and says what
 * changed for this member.
 */
final class PartitionTable {
    private static final Logger log = LoggerFactory.getLogger(PartitionTable.class);

    /**
     * What a refresh found changed: partitions this member lost and gained, and partitions that
     * went from one other member to another (whose new owner may have lost claims made there:
     * its copy of them was an asynchronous backup).
     */
    record Changes(BitSet lost, BitSet gained, BitSet moved) {
        boolean isEmpty() {
            return lost.isEmpty() && gained.isEmpty() && moved.isEmpty();
        }
    }

    private final HazelcastInstance hazelcast;
    private volatile UUID self;
    private final Partition[] partitions;
    /** Null when it does not agree with Hazelcast's own hashing (another version): ask Hazelcast then. */
    private final PartitionIds ids;
    /** Each partition's owner as of the last refresh (null: none yet). */
    private final AtomicReferenceArray<UUID> seen;
    private final AtomicReferenceArray<UUID> handedOverBy;
    private final AtomicLongArray handoverUntil;
    /** Per partition, the member that said it has claimed what it holds of it (its handover is over). */
    private final AtomicReferenceArray<UUID> released;

    PartitionTable(HazelcastInstance hazelcast, UUID self) {
        this.hazelcast = hazelcast;
        this.self = self;
        Set<Partition> all = hazelcast.getPartitionService().getPartitions();
        this.partitions = new Partition[all.size()];
        all.forEach(partition -> partitions[partition.getPartitionId()] = partition);
        PartitionIds candidate = new PartitionIds(partitions.length);
        this.ids = agreesWithHazelcast(candidate) ? candidate : null;
        this.seen = new AtomicReferenceArray<>(partitions.length);
        this.handedOverBy = new AtomicReferenceArray<>(partitions.length);
        this.handoverUntil = new AtomicLongArray(partitions.length);
        this.released = new AtomicReferenceArray<>(partitions.length);
        for (int id = 0; id < partitions.length; id++) {
            seen.set(id, owner(id));
        }
    }

    int count() {
        return partitions.length;
    }

    /** {@code key}'s partition. */
    int partitionOf(String key) {
        int id = ids == null ? -1 : ids.of(key);
        return id >= 0 ? id : hazelcast.getPartitionService().getPartition(key).getPartitionId();
    }

    /** The partition's owner now, or null while it has none (no data member yet). */
    UUID owner(int id) {
        try {
            Member owner = partitions[id].getOwner();
            return owner == null ? null : owner.getUuid();
        } catch (RuntimeException e) {
            return null; // no data member in the cluster yet (this one still a lite member)
        }
    }

    /**
     * The member that owned partition {@code id} before it came to this member, while that is
     * recent (before {@code nowMillis} passes the handover's end), or a change of owner not yet
     * refreshed; else null.
     */
    UUID handedOverBy(int id, long nowMillis) {
        UUID before = seen.get(id);
        UUID from = before != null && !before.equals(self) ? before // given to this member since the last refresh
                : nowMillis < handoverUntil.get(id) ? handedOverBy.get(id) : null;
        return from == null || from.equals(released.get(id)) ? null : from;
    }

    /** {@code member} has claimed what it holds of partition {@code id}: its handover of it is over. */
    void released(int id, UUID member) {
        if (id >= 0 && id < partitions.length) {
            released.set(id, member);
        }
    }

    /**
     * Compares the table with the last refresh; a partition gained starts a handover of
     * {@code handoverMillis}, unless the member that had it has already said it is over.
     */
    Changes refresh(long nowMillis, long handoverMillis) {
        BitSet lost = new BitSet(partitions.length);
        BitSet gained = new BitSet(partitions.length);
        BitSet moved = new BitSet(partitions.length);
        for (int id = 0; id < partitions.length; id++) {
            UUID now = owner(id);
            UUID before = seen.get(id);
            if (now == null || now.equals(before)) {
                continue;
            }
            if (self.equals(before)) {
                lost.set(id);
                released.set(id, null);
            } else if (before != null && !self.equals(now)) {
                moved.set(id);
            }
            if (self.equals(now)) {
                gained.set(id);
                if (before != null && !before.equals(released.get(id))) {
                    handedOverBy.set(id, before);
                    handoverUntil.set(id, nowMillis + handoverMillis);
                }
            }
            seen.set(id, now);
        }
        return new Changes(lost, gained, moved);
    }

    /**
     * This member's id is {@code now} from here on: Hazelcast gives a member a new id when it
     * merges into another cluster after a split. Every partition not owned under the new id is
     * lost (the URLs of it held here must be claimed again: claims under the old id are void),
     * every partition owned under it gained; no handover is waited for.
     */
    Changes rejoined(UUID now) {
        self = now;
        BitSet lost = new BitSet(partitions.length);
        BitSet gained = new BitSet(partitions.length);
        for (int id = 0; id < partitions.length; id++) {
            UUID owner = owner(id);
            (now.equals(owner) ? gained : lost).set(id);
            seen.set(id, owner);
            handedOverBy.set(id, null);
            handoverUntil.set(id, 0);
            released.set(id, null);
        }
        return new Changes(lost, gained, new BitSet(partitions.length));
    }

    /** Whether {@code ids} finds the partition Hazelcast finds, for a sample of URL-like keys. */
    private boolean agreesWithHazelcast(PartitionIds candidate) {
        java.util.Random random = new java.util.Random(2186);
        for (int i = 0; i < 256; i++) {
            StringBuilder key = new StringBuilder("http://example.com/");
            for (int n = random.nextInt(200); n > 0; n--) {
                key.append((char) (0x21 + random.nextInt(0x5e)));
            }
            String text = key.toString();
            if (candidate.of(text) != hazelcast.getPartitionService().getPartition(text).getPartitionId()) {
                log.warn("this Hazelcast version hashes URLs differently: ICP answers ask it for each partition (slower)");
                return false;
            }
        }
        return true;
    }
}
