package sibyl.cluster;

import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import com.hazelcast.topic.ITopic;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who answers for which URL. A URL is placed on the member Hazelcast's partitioning gives it
 * (its partition owner); that member answers for it, and a URL it stores needs no record
 * anywhere but its own index. Only the exception is written down: a URL held by another member
 * (after a partition moved, when its partition owner was over its load bound, in sibling mode)
 * is claimed by its holder, in a map partitioned like the URLs, so the claim is kept by the
 * partition owner that must know it. No member holds every claim.
 *
 * <p>Every ICP answer ({@link #answer}) reads local memory: the partition table, and on the
 * partition owner the claims of its own partitions, mirrored into a concurrent map from the
 * claims map's local entry events. Writes are queued and written in batches by a thread of
 * their own ({@link ClaimWriter}), so no event loop waits on the cluster.
 *
 * <p>The consistency window: a claim takes a batch and an event to reach its partition owner,
 * about a millisecond on one network, up to a second under a burst of writes. Inside it the
 * partition owner still answers HIT for a URL another member holds; Squid then fetches through
 * the partition owner, which {@linkplain #route routes} the miss to the holder (when it placed
 * the URL there itself, over its bound, or was handed the partition) or, only when it could
 * not know, fetches a second copy from the origin.
 *
 * <p>When a partition moves, the member that had it claims, in one batch, the URLs of it that
 * it still holds, then says so; until then (the handover, {@code handover} long at most) the
 * new owner sends misses of that partition to it. A member that leaves or crashes stops owning
 * anything at once: its claims are ignored while it is not in the member list, and each
 * partition owner removes them.
 */
public final class Ownership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ownership.class);

    /** What this member says of a URL over ICP. */
    public enum Answer {
        /** The partition table is not known yet (no data member in the cluster). */
        UNKNOWN,
        /** This member answers for the URL: it fetches it when asked (unless it routes the miss). */
        MINE,
        /** Another member answers for it. */
        ELSEWHERE
    }

    /** What this member has done for the cluster since it joined. */
    public record Counters(long storesPlaced, long storesElsewhere, long claimsWritten, long releasesWritten,
            long writeBatches, long writesDropped, long overflows, long handoverRoutes, long claimsKept,
            long exceptionsHeld, long claimsRefused, long duplicatesDropped, long claimsRepeated) {

        /** As name → value, for counters pages. */
        public Map<String, Long> asMap() {
            Map<String, Long> map = new java.util.LinkedHashMap<>();
            map.put("stores_placed", storesPlaced);
            map.put("stores_elsewhere", storesElsewhere);
            map.put("claims_written", claimsWritten);
            map.put("releases_written", releasesWritten);
            map.put("write_batches", writeBatches);
            map.put("writes_dropped", writesDropped);
            map.put("overflow_routes", overflows);
            map.put("handover_routes", handoverRoutes);
            map.put("claims_kept", claimsKept);
            map.put("exceptions_held", exceptionsHeld);
            map.put("claims_refused", claimsRefused);
            map.put("duplicates_dropped", duplicatesDropped);
            map.put("claims_repeated", claimsRepeated);
            return map;
        }
    }

    static final long REFRESH_MILLIS = 100;
    static final long SWEEP_SECONDS = 30;

    private final HazelcastInstance hazelcast;
    /**
     * This member's id: Hazelcast gives the member a new one when it merges into another cluster
     * after a split (see {@link #rejoined}).
     */
    private volatile UUID self;
    private final Holdings holdings;
    private final long handoverMillis;
    private final PartitionTable table;
    private final ClaimWriter writer;
    private final Loads loads;
    private final BoundedLoads bound;
    private final KeptClaims kept;
    /** The URLs this member has claimed (held, and not placed on it). */
    private final Set<String> exceptions = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sibyl-ownership");
        thread.setDaemon(true);
        return thread;
    });
    private final ITopic<long[]> handovers;
    private final UUID handoverRegistration;
    private final UUID membershipRegistration;
    private final UUID migrationRegistration;
    private volatile Set<UUID> live = Set.of();
    private volatile UUID[] liveOrder = new UUID[0];
    private volatile boolean draining;
    private final LongAdder storesPlaced = new LongAdder();
    private final LongAdder storesElsewhere = new LongAdder();
    private final LongAdder overflows = new LongAdder();
    private final LongAdder handoverRoutes = new LongAdder();
    private final LongAdder duplicatesDropped = new LongAdder();
    /** Claims queued again because their partition moved on between two other members. */
    private final LongAdder claimsRepeated = new LongAdder();

    Ownership(HazelcastInstance hazelcast, IMap<String, long[]> claims, ITopic<long[]> loadTopic,
            ITopic<long[]> handovers, Holdings holdings, double balanceFactor, java.time.Duration handover) {
        this.hazelcast = hazelcast;
        this.self = hazelcast.getCluster().getLocalMember().getUuid();
        this.holdings = holdings;
        this.handoverMillis = handover.toMillis();
        this.table = new PartitionTable(hazelcast, self);
        this.writer = new ClaimWriter(claims, self, this::standing, this::refused);
        this.loads = new Loads(loadTopic, self);
        this.bound = new BoundedLoads(balanceFactor);
        this.kept = new KeptClaims(claims, table, self, this::kept);
        this.handovers = handovers;
        this.handoverRegistration = handovers.addMessageListener(message -> {
            long[] wire = message.getMessageObject();
            if (wire != null && wire.length >= 2) {
                UUID from = new UUID(wire[0], wire[1]);
                for (int i = 2; i < wire.length; i++) {
                    table.released((int) wire[i], from);
                }
            }
        });
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new InitialMembershipListener() {
            @Override
            public void init(InitialMembershipEvent event) {
                members(event.getMembers());
            }

            @Override
            public void memberAdded(MembershipEvent event) {
                members(event.getMembers());
                loads.tellAgain();
                soon(Ownership.this::tellLoad);
                // Its claims may have come before this event: they stand now.
                soon(kept::retell);
                log.info("member joined: {}; {} members", MemberInfo.of(event.getMember()), event.getMembers().size());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                members(event.getMembers());
                log.info("member left: {}; its URLs fall to the others; {} members", MemberInfo.of(event.getMember()),
                        event.getMembers().size());
                soon(Ownership.this::sweepQuietly);
            }
        });
        scheduler.scheduleWithFixedDelay(this::refreshQuietly, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        // A partition that moved is seen at once, not at the next look: until its claims are
        // read, its new owner would answer for URLs another member holds.
        this.migrationRegistration = hazelcast.getPartitionService().addMigrationListener(new MigrationListener() {
            @Override
            public void migrationStarted(MigrationState state) {}

            @Override
            public void migrationFinished(MigrationState state) {
                soon(Ownership.this::refreshQuietly);
            }

            @Override
            public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
                soon(Ownership.this::refreshQuietly);
            }

            @Override
            public void replicaMigrationFailed(ReplicaMigrationEvent event) {}
        });
        scheduler.scheduleWithFixedDelay(this::sweepQuietly, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    /** Runs {@code work} on the ownership's thread, unless it has stopped. */
    private void soon(Runnable work) {
        try {
            scheduler.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private void members(java.util.Collection<Member> members) {
        Set<UUID> ids = new HashSet<>();
        UUID[] order = new UUID[members.size()];
        int i = 0;
        for (Member member : members) {
            if (!member.isLiteMember()) {
                ids.add(member.getUuid());
                order[i++] = member.getUuid();
            }
        }
        live = Set.copyOf(ids);
        liveOrder = java.util.Arrays.copyOf(order, i);
        loads.retain(live);
    }

    /**
     * This member's ICP answer for {@code key}: MINE if it answers for the URL (it is the
     * partition owner, or stands in for a draining one, and no other live member has claimed
     * it), ELSEWHERE if another member does. Whether this member holds the URL is the caller's
     * to ask first. Local reads only; allocates nothing.
     */
    public Answer answer(String key) {
        UUID self = this.self;
        UUID owner = placedOn(key, table.owner(table.partitionOf(key)));
        if (owner == null) {
            return Answer.UNKNOWN;
        }
        if (!owner.equals(self)) {
            return Answer.ELSEWHERE;
        }
        Claim claim = kept.get(key);
        return claim != null && claim.standsFor(self, live, System.currentTimeMillis()) ? Answer.ELSEWHERE : Answer.MINE;
    }

    /**
     * Where a miss for {@code key} that this node does not hold is fetched from: a member that
     * holds it or should store it, or null for the origin (this node then stores it).
     * {@code via} are the members the request has come through already: a request goes through
     * two members at most, never back to one.
     *
     * <ul>
     * <li>Another member answers for the URL: that member, unless the request came through a
     *     member (which chose this one).
     * <li>This member stands in for a draining partition owner: that member, which serves what
     *     it holds until it leaves.
     * <li>This member does: the live holder of a claim; else, during a handover, the member
     *     that had the partition (if it holds anything: not in a cluster just formed); else,
     *     over its load bound, the URL's next candidate.
     * </ul>
     */
    public UUID route(String key, Set<UUID> via) {
        UUID self = this.self;
        int partition = table.partitionOf(key);
        // The table read once: two reads could straddle a migration and disagree.
        UUID partitionOwner = table.owner(partition);
        UUID owner = placedOn(key, partitionOwner);
        if (owner == null) {
            return null;
        }
        if (!owner.equals(self)) {
            return via.isEmpty() ? owner : null;
        }
        if (via.size() >= 2) {
            return null;
        }
        if (!self.equals(partitionOwner) && live.contains(partitionOwner) && !via.contains(partitionOwner)) {
            // Standing in for a draining owner, which still serves what it holds (and keeps its
            // partitions' claims) until it has left.
            handoverRoutes.increment();
            return partitionOwner;
        }
        long now = System.currentTimeMillis();
        Claim claim = kept.get(key);
        if (claim != null && claim.standsFor(self, live, now) && !via.contains(claim.holder())) {
            return claim.holder();
        }
        UUID previous = table.handedOverBy(partition, now);
        Loads.Load previousLoad = previous == null ? null : loads.of(previous);
        if (previous != null && !previous.equals(self) && live.contains(previous) && !via.contains(previous)
                && !previousLoad.draining() && (previousLoad.objects() > 0 || !loads.knows(previous))) {
            handoverRoutes.increment();
            return previous;
        }
        UUID placed = placement(key, self);
        if (placed != null && !placed.equals(self) && !via.contains(placed)) {
            overflows.increment();
            return placed;
        }
        return null;
    }

    /**
     * The member a new URL placed on {@code owner} is stored by: that member, or, while it is over
     * its load bound, the first member of the URL's rendezvous order that is under it. Every
     * member that knows the same loads finds the same one.
     */
    UUID placement(String key, UUID owner) {
        return bound.place(key, owner, liveOrder, this::loadOf);
    }

    /** The member a new URL is stored by, as this member sees the partition table and the loads. */
    UUID placement(String key) {
        UUID owner = placedOn(key, table.owner(table.partitionOf(key)));
        return owner == null ? null : placement(key, owner);
    }

    /** The member that should hold {@code key} once this one has left: where a draining node hands it. */
    public UUID successor(String key) {
        UUID owner = table.owner(table.partitionOf(key));
        if (owner != null && !owner.equals(self) && live.contains(owner) && !loads.of(owner).draining()) {
            return owner;
        }
        return standIn(key);
    }

    /**
     * The member that answers for {@code key} by the partition table (a draining owner's stand-in
     * for it), whoever holds a copy: what {@code sibyl cache list} names; null while the table is
     * unknown.
     */
    public UUID owner(String key) {
        return placedOn(key, table.owner(table.partitionOf(key)));
    }

    /** The member Hazelcast's partition table gives {@code key} to. */
    UUID partitionOwner(String key) {
        return table.owner(table.partitionOf(key));
    }

    /** The partition owner, or, while that member is draining, the member that stands in for it. */
    private UUID placedOn(String key, UUID owner) {
        if (owner == null || !(owner.equals(self) ? draining : loads.of(owner).draining())) {
            return owner;
        }
        return standIn(key);
    }

    /** The URL's first candidate among the live members that are not draining. */
    private UUID standIn(String key) {
        return BoundedLoads.rendezvous(key, liveOrder, member -> member.equals(self) ? !draining : !loads.of(member).draining());
    }

    /**
     * This node stored {@code key}, fresh until {@code freshUntilMillis}: claimed if it is
     * another member's to answer for, else nothing is written.
     */
    public void stored(String key, long freshUntilMillis) {
        UUID owner = table.owner(table.partitionOf(key));
        if (self.equals(owner)) {
            storesPlaced.increment();
            if (exceptions.remove(key)) {
                writer.release(key); // stored again now that its partition is this member's
            }
            return;
        }
        storesElsewhere.increment();
        exceptions.add(key);
        writer.claim(key, freshUntilMillis);
    }

    /** This node no longer holds {@code key}: its claim, if it made one, is released. */
    public void removed(String key) {
        if (exceptions.remove(key)) {
            writer.release(key);
        }
    }

    /**
     * Marks this member as draining: the others stop placing URLs on it and stand in for it in
     * its partitions, once they hear (within {@value #REFRESH_MILLIS} ms).
     */
    public void drain() {
        draining = true;
        soon(this::tellLoad);
    }

    /** Gives up every claim of this member, and waits (up to 30 s) until that is written: a leaving node. */
    public void releaseAll() {
        for (String key : exceptions) {
            if (exceptions.remove(key)) {
                writer.release(key);
            }
        }
        try {
            writer.flush().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("releasing this member's claims: {}", e.toString());
        }
    }

    /** Completes once every claim and release asked for so far is written: for tests and tools. */
    public CompletableFuture<Void> flush() {
        return writer.flush();
    }

    /** Whether {@code member} is a live data member in this member's view. */
    public boolean isLive(UUID member) {
        return live.contains(member);
    }

    /** This member's id. */
    public UUID self() {
        return self;
    }

    /** What this member has done for the cluster. */
    public Counters counters() {
        return new Counters(storesPlaced.sum(), storesElsewhere.sum(), writer.claimsWritten.sum(),
                writer.releasesWritten.sum(), writer.batches.sum(), writer.dropped.sum(), overflows.sum(),
                handoverRoutes.sum(), kept.size(), exceptions.size(), writer.claimsRefused.sum(), duplicatesDropped.sum(),
                claimsRepeated.sum());
    }

    /**
     * A claim this member keeps, as it arrives: if it stands (another live member holds the URL)
     * on a partition this member owns, a copy of the URL held here is a duplicate and is dropped.
     * A holder answers HIT from its index alone, so two copies are two HITs, and Squid's pick
     * between them would change from one request to the next. Both sides of a network split
     * store what they are asked for; after the merge the member that lost a partition claims
     * what it holds of it, and the partition owner that holds the same URLs gives way. The
     * claim is the record the rest of the cluster routes by, so its holder keeps the URL; unless
     * that member is draining: its claims are released soon, and what it handed over stays here.
     */
    private void kept(String key, Claim claim) {
        UUID self = this.self;
        if (claim.standsFor(self, live, System.currentTimeMillis()) && !loads.of(claim.holder()).draining()
                && self.equals(table.owner(table.partitionOf(key))) && holdings.drop(key)) {
            duplicatesDropped.increment();
            log.debug("dropped {}: {} holds it, by its claim", key, claim.holder());
        }
    }

    /**
     * This member's claim of {@code key} was refused: another live member's claim stands (it
     * stored the URL too). The record is that member's, so this copy is a duplicate, dropped.
     */
    private void refused(String key) {
        exceptions.remove(key);
        if (holdings.drop(key)) {
            duplicatesDropped.increment();
            log.debug("dropped {}: another member's claim of it stands", key);
        }
    }

    /** The members whose claims stand against a claim of this member's: live, and not draining. */
    private Set<UUID> standing() {
        Set<UUID> standing = new HashSet<>();
        for (UUID member : liveOrder) {
            if (!loads.of(member).draining()) {
                standing.add(member);
            }
        }
        return standing;
    }

    /** Each live member's load as this member knows it (its own exact). */
    Map<UUID, Loads.Load> loads() {
        Map<UUID, Loads.Load> all = new HashMap<>();
        for (UUID member : liveOrder) {
            all.put(member, member.equals(self) ? ownLoad() : loads.of(member));
        }
        return all;
    }

    /** {@code member}'s load as last told (this member's too: see {@link Loads#toldOwn}). */
    private Loads.Load loadOf(UUID member) {
        return member.equals(self) ? loads.toldOwn() : loads.of(member);
    }

    private Loads.Load ownLoad() {
        return new Loads.Load(holdings.objects(), holdings.bytes(), exceptions.size(), kept.size(), draining);
    }

    private void tellLoad() {
        try {
            loads.tell(ownLoad(), System.currentTimeMillis());
        } catch (HazelcastInstanceNotActiveException e) {
            // stopping
        }
    }

    /**
     * Compares the partition table with the last look: the URLs of a partition lost that this
     * node holds are claimed in one batch; claims of a partition gained are read into
     * {@link #kept}, and this node's own claims there released (its URLs are placed on it now).
     */
    private void refresh() {
        UUID current = hazelcast.getCluster().getLocalMember().getUuid();
        boolean rejoined = !current.equals(self);
        if (rejoined) {
            rejoined(current);
        }
        java.util.Collection<Member> members = hazelcast.getCluster().getMembers();
        if (rejoined || members.stream().filter(member -> !member.isLiteMember()).count() != liveOrder.length) {
            members(new HashSet<>(members)); // a lite member promoted: no membership event says so
        }
        tellLoad();
        long now = System.currentTimeMillis();
        PartitionTable.Changes changes = rejoined ? table.rejoined(current) : table.refresh(now, handoverMillis);
        if (changes.isEmpty()) {
            return;
        }
        if (!changes.gained().isEmpty()) {
            kept.reconcile(changes.gained());
        }
        int[] counts = new int[2];
        holdings.forEachHeld((key, freshUntil) -> {
            int partition = table.partitionOf(key);
            try {
                if (changes.lost().get(partition) && freshUntil > now && exceptions.add(key)) {
                    writer.claimWaiting(key, freshUntil);
                    counts[0]++;
                } else if (changes.moved().get(partition) && freshUntil > now && exceptions.contains(key)) {
                    // Its new owner had only an asynchronous backup of the claims: say it again.
                    writer.claimWaiting(key, freshUntil);
                    claimsRepeated.increment();
                    counts[0]++;
                } else if (changes.gained().get(partition) && exceptions.remove(key)) {
                    writer.releaseWaiting(key);
                    counts[1]++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // Claims of a partition lost are no longer this member's to keep.
        kept.forget(changes.lost());
        if (!changes.lost().isEmpty()) {
            // Once those claims are written, the new owners need not send their misses here.
            long[] released = new long[2 + changes.lost().cardinality()];
            released[0] = self.getMostSignificantBits();
            released[1] = self.getLeastSignificantBits();
            int i = 2;
            for (int id = changes.lost().nextSetBit(0); id >= 0; id = changes.lost().nextSetBit(id + 1)) {
                released[i++] = id;
            }
            writer.flush().thenRun(() -> {
                try {
                    handovers.publish(released);
                } catch (RuntimeException e) {
                    log.debug("telling a handover is over: {}", e.toString());
                }
            });
        }
        log.info("partitions moved: {} lost, {} gained; {} URLs held here claimed, {} claims released",
                changes.lost().cardinality(), changes.gained().cardinality(), counts[0], counts[1]);
    }

    /**
     * This member merged into another cluster after a split, and Hazelcast gave it the new id
     * {@code now}: every part of the ownership that said "self" says {@code now}. Its claims under
     * the old id are void (no live member has it; their partition owners sweep them), so they are
     * forgotten here, and the refresh that follows claims again, under the new id, what this
     * node holds of partitions other members own.
     */
    private void rejoined(UUID now) {
        log.warn("this member merged into another cluster after a split and is {} now (was {}): its claims are written"
                + " again under the new id", now, self);
        self = now;
        writer.self(now);
        loads.self(now);
        kept.self(now);
        exceptions.clear();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (HazelcastInstanceNotActiveException e) {
            // stopping
        } catch (RuntimeException e) {
            log.warn("reading the partition table: {}", e.toString());
        }
    }

    private void sweepQuietly() {
        try {
            kept.sweep(live);
        } catch (HazelcastInstanceNotActiveException e) {
            // stopping
        } catch (RuntimeException e) {
            log.debug("sweeping claims: {}", e.toString());
        }
    }

    /** Stops writing claims; those queued are written first (up to 5 s). */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            hazelcast.getPartitionService().removeMigrationListener(migrationRegistration);
        } catch (HazelcastInstanceNotActiveException e) {
            // already stopped
        }
        kept.close();
        loads.close();
        try {
            handovers.removeMessageListener(handoverRegistration);
        } catch (RuntimeException e) {
            // already stopped
        }
        writer.close();
    }
}
