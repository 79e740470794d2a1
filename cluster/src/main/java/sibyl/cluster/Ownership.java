package sibyl.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.partition.Partition;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who owns which URL: the live member that claimed it (by storing it), else the member that
 * Hazelcast's partitioning gives it.
 *
 * <p>Claims live in a replicated map, so every member holds all of them, and each member mirrors
 * them into a plain concurrent map fed by the replicated map's entry events (reconciled with it
 * every {@link #RECONCILE_SECONDS} s, so that a missed event cannot leave a claim behind for
 * longer): {@link #ownerOf} reads only local memory (that map, the member list, the partition
 * table), and the ICP path never waits on the network. The price is the consistency window: a
 * claim reaches the other members asynchronously, typically within a millisecond on one
 * network, and until it does a URL just stored may look unclaimed there (two members may answer
 * HIT; Squid takes the first). Memory per member grows with the claims of the whole cluster
 * (the replicated map and its mirror: a few hundred bytes each).
 *
 * <p>A claim lasts as long as the object it stands for stays fresh, or until {@link #release}.
 * A member that leaves or crashes stops owning anything at once (its claims are ignored while
 * it is not in the member list) and the oldest member then removes them.
 *
 * <p>Writes ({@link #claim}, {@link #release}) return at once: they are made on a thread of
 * their own, in order, so event-loop threads never block on them.
 */
public final class Ownership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ownership.class);

    /** Where a URL belongs, read from local state. */
    public record Owner(UUID member, boolean claimed, boolean local) {}

    private final HazelcastInstance hazelcast;
    private final ReplicatedMap<String, UUID> claims;
    private final UUID self;
    static final int RECONCILE_SECONDS = 30;

    private final ScheduledExecutorService writes = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sibyl-claims");
        thread.setDaemon(true);
        return thread;
    });
    /** The claims as this member knows them, for lookups cheaper than the replicated map's. */
    private final ConcurrentHashMap<String, UUID> mirror = new ConcurrentHashMap<>();
    private final UUID entryRegistration;
    /** Partitions by id, and how to find a URL's without Hazelcast serialising it; null if that does not agree with Hazelcast. */
    private final Partition[] partitions;
    private final PartitionIds partitionIds;
    private volatile Set<UUID> live = Set.of();
    private final UUID membershipRegistration;

    Ownership(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.claims = hazelcast.getReplicatedMap(ClusterMember.CLAIMS);
        this.self = hazelcast.getCluster().getLocalMember().getUuid();
        this.entryRegistration = claims.addEntryListener(new Mirror());
        Set<Partition> all = hazelcast.getPartitionService().getPartitions();
        this.partitions = new Partition[all.size()];
        all.forEach(partition -> partitions[partition.getPartitionId()] = partition);
        this.partitionIds = agreesWithHazelcast(new PartitionIds(partitions.length)) ? new PartitionIds(partitions.length) : null;
        reconcile();
        writes.scheduleWithFixedDelay(this::reconcileQuietly, RECONCILE_SECONDS, RECONCILE_SECONDS, TimeUnit.SECONDS);
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new InitialMembershipListener() {
            @Override
            public void init(InitialMembershipEvent event) {
                live = ids(event.getMembers());
            }

            @Override
            public void memberAdded(MembershipEvent event) {
                live = ids(event.getMembers());
                log.info("member joined: {}; {} members", MemberInfo.of(event.getMember()), event.getMembers().size());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                live = ids(event.getMembers());
                log.info("member left: {}; its URLs fall to the others; {} members", MemberInfo.of(event.getMember()),
                        event.getMembers().size());
                UUID gone = event.getMember().getUuid();
                if (oldest(event.getMembers())) {
                    writes.execute(() -> forget(gone));
                }
            }
        });
    }

    private static Set<UUID> ids(Set<Member> members) {
        return members.stream().map(Member::getUuid).collect(Collectors.toUnmodifiableSet());
    }

    private boolean oldest(Set<Member> members) {
        return !members.isEmpty() && members.iterator().next().getUuid().equals(self);
    }

    /**
     * The owner of {@code key}: the live member holding its claim, else the partition owner.
     * {@code member} is null while the partition table is not known yet (at start). Local reads
     * only; allocates one small record.
     */
    public Owner ownerOf(String key) {
        UUID claimant = mirror.get(key);
        if (claimant != null && live.contains(claimant)) {
            return new Owner(claimant, true, claimant.equals(self));
        }
        int id = partitionIds == null ? -1 : partitionIds.of(key);
        Partition partition = id >= 0 ? partitions[id] : hazelcast.getPartitionService().getPartition(key);
        Member owner = partition.getOwner();
        if (owner == null) {
            return new Owner(null, false, false);
        }
        return new Owner(owner.getUuid(), false, owner.getUuid().equals(self));
    }

    /** Claims {@code key} for this member for {@code lifetime} (at least a second). */
    public void claim(String key, Duration lifetime) {
        long seconds = Math.max(1, lifetime.toSeconds());
        submit(() -> claims.put(key, self, seconds, TimeUnit.SECONDS));
    }

    /** Gives up this member's claim of {@code key}, if it is still this member's. */
    public void release(String key) {
        submit(() -> {
            if (self.equals(claims.get(key))) {
                claims.remove(key);
            }
        });
    }

    /** Gives up every claim of this member, and waits until that is done (a draining node). */
    public void releaseAll() {
        try {
            writes.submit(() -> forget(self)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("releasing this member's claims: {}", e.toString());
        }
    }

    /** Claims per member, as this member sees them (members that left included until forgotten). */
    public Map<UUID, Long> claimsPerMember() {
        Map<UUID, Long> counts = new HashMap<>();
        for (UUID member : claims.values()) {
            counts.merge(member, 1L, Long::sum);
        }
        return counts;
    }

    /** Whether {@code member} is in this member's current view of the cluster. */
    public boolean isLive(UUID member) {
        return live.contains(member);
    }

    /** This member's id. */
    public UUID self() {
        return self;
    }

    private void forget(UUID member) {
        int removed = 0;
        for (Map.Entry<String, UUID> claim : claims.entrySet()) {
            if (member.equals(claim.getValue())) {
                claims.remove(claim.getKey());
                removed++;
            }
        }
        log.info("removed {} claims of member {}", removed, member);
    }

    /** Whether {@code ids} finds the partition Hazelcast finds, for a sample of URL-like keys. */
    private boolean agreesWithHazelcast(PartitionIds ids) {
        java.util.Random random = new java.util.Random(2186);
        for (int i = 0; i < 256; i++) {
            StringBuilder key = new StringBuilder("http://example.com/");
            for (int n = random.nextInt(200); n > 0; n--) {
                key.append((char) (0x21 + random.nextInt(0x5e)));
            }
            String text = key.toString();
            if (ids.of(text) != hazelcast.getPartitionService().getPartition(text).getPartitionId()) {
                log.warn("this Hazelcast version hashes URLs differently: ICP answers ask it for each partition (slower)");
                return false;
            }
        }
        return true;
    }

    /** Makes the mirror what the replicated map holds. */
    private void reconcile() {
        for (Map.Entry<String, UUID> claim : claims.entrySet()) {
            mirror.put(claim.getKey(), claim.getValue());
        }
        mirror.keySet().removeIf(key -> !claims.containsKey(key));
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            log.debug("reconciling claims: {}", e.toString());
        }
    }

    /** Keeps the mirror current; on Hazelcast's event threads, in order per key. */
    private final class Mirror implements EntryListener<String, UUID> {
        @Override
        public void entryAdded(EntryEvent<String, UUID> event) {
            mirror.put(event.getKey(), event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, UUID> event) {
            mirror.put(event.getKey(), event.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, UUID> event) {
            mirror.remove(event.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, UUID> event) {
            mirror.remove(event.getKey()); // a claim's lifetime ran out
        }

        @Override
        public void entryExpired(EntryEvent<String, UUID> event) {
            mirror.remove(event.getKey());
        }

        @Override
        public void mapCleared(MapEvent event) {
            mirror.clear();
        }

        @Override
        public void mapEvicted(MapEvent event) {
            mirror.clear();
        }
    }

    private void submit(Runnable write) {
        try {
            writes.execute(() -> {
                try {
                    write.run();
                } catch (HazelcastInstanceNotActiveException e) {
                    log.debug("claim not written: the member is stopping");
                } catch (RuntimeException e) {
                    log.warn("claim not written: {}", e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("claim not written: ownership closed");
        }
    }

    /** Stops writing claims; those queued are written first (up to 5 s). */
    @Override
    public void close() {
        try {
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            claims.removeEntryListener(entryRegistration);
        } catch (HazelcastInstanceNotActiveException e) {
            // already stopped
        }
        writes.shutdown();
        try {
            writes.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
