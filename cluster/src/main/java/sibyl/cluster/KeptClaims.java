package sibyl.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.query.Predicates;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims this member keeps, those of the partitions it owns, mirrored from the claims map
 * into a concurrent map so that an ICP answer reads them without Hazelcast: kept current by the
 * map's local entry events, read in whole for a partition this member is given (its entries
 * come with the partition, without events), and swept of claims that expired or whose holder
 * left.
 */
final class KeptClaims implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeptClaims.class);

    private final IMap<String, long[]> claims;
    private final PartitionTable table;
    private volatile UUID self;
    private final ConcurrentHashMap<String, Claim> kept = new ConcurrentHashMap<>();
    /** Told of every claim kept, as it comes (by event, or read for a partition gained). */
    private final BiConsumer<String, Claim> onKept;
    private final UUID registration;

    KeptClaims(IMap<String, long[]> claims, PartitionTable table, UUID self, BiConsumer<String, Claim> onKept) {
        this.claims = claims;
        this.table = table;
        this.self = self;
        this.onKept = onKept;
        this.registration = claims.addLocalEntryListener(new Mirror(), Predicates.alwaysTrue(), true);
        reconcile(null);
    }

    /** This member's id changed (it merged into another cluster after a split). */
    void self(UUID now) {
        self = now;
    }

    /** The claim of {@code key} kept here, or null. */
    Claim get(String key) {
        return kept.get(key);
    }

    /** Tells {@code onKept} of every claim kept here again (a member joined: its claims may stand now). */
    void retell() {
        kept.forEach(onKept);
    }

    int size() {
        return kept.size();
    }

    /**
     * Reads the claims of {@code partitions} (of every partition this member owns, when null)
     * from the map, and forgets those of partitions it no longer owns.
     */
    void reconcile(BitSet partitions) {
        Set<String> local = new HashSet<>();
        for (String key : claims.localKeySet()) {
            if (partitions == null || partitions.get(table.partitionOf(key))) {
                local.add(key);
            }
        }
        claims.getAll(local).forEach((key, value) -> {
            Claim claim = Claim.fromWire(value);
            if (claim != null) {
                kept.put(key, claim);
                onKept.accept(key, claim);
            }
        });
        if (partitions == null) {
            kept.keySet().removeIf(key -> !self.equals(table.owner(table.partitionOf(key))));
        }
    }

    /** Forgets the claims of {@code partitions}, which this member no longer owns. */
    void forget(BitSet partitions) {
        kept.keySet().removeIf(key -> partitions.get(table.partitionOf(key)));
    }

    /** Removes from the map, then from here, the claims that expired or whose holder is not {@code live}. */
    void sweep(Set<UUID> live) {
        long now = System.currentTimeMillis();
        Set<String> dead = new HashSet<>();
        kept.forEach((key, claim) -> {
            if (claim.expiresAtMillis() <= now || !live.contains(claim.holder())) {
                dead.add(key);
            }
        });
        if (!dead.isEmpty()) {
            try {
                claims.submitToKeys(dead, new ClaimProcessors.RemoveIfVoid(new HashSet<>(live), now))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
                log.debug("removed {} claims expired or of members gone", dead.size());
            } catch (HazelcastInstanceNotActiveException e) {
                throw e;
            } catch (Exception e) {
                log.debug("removing void claims: {}", e.toString());
            }
        }
        reconcile(null);
    }

    /** Keeps {@link #kept} current from the claims map's events for the partitions this member owns. */
    private final class Mirror implements EntryAddedListener<String, long[]>, EntryUpdatedListener<String, long[]>,
            EntryRemovedListener<String, long[]>, EntryExpiredListener<String, long[]>,
            EntryEvictedListener<String, long[]>, MapClearedListener {
        @Override
        public void entryAdded(EntryEvent<String, long[]> event) {
            put(event);
        }

        @Override
        public void entryUpdated(EntryEvent<String, long[]> event) {
            put(event);
        }

        private void put(EntryEvent<String, long[]> event) {
            Claim claim = Claim.fromWire(event.getValue());
            if (claim != null) {
                kept.put(event.getKey(), claim);
                onKept.accept(event.getKey(), claim);
            }
        }

        @Override
        public void entryRemoved(EntryEvent<String, long[]> event) {
            kept.remove(event.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<String, long[]> event) {
            kept.remove(event.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, long[]> event) {
            kept.remove(event.getKey());
        }

        @Override
        public void mapCleared(MapEvent event) {
            kept.clear();
        }
    }

    @Override
    public void close() {
        try {
            claims.removeEntryListener(registration);
        } catch (HazelcastInstanceNotActiveException e) {
            // already stopped
        }
    }
}
