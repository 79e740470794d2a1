package sibyl.cluster;

import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How much each member holds, told to the others a few times a second (when it changed, and
 * every {@value #HEARTBEAT_MILLIS} ms regardless), for {@link BoundedLoads}.
 */
final class Loads {
    /** A member's load as it last told it. */
    record Load(long objects, long bytes, long exceptions, long claimsKept, boolean draining) {
        static final Load NONE = new Load(0, 0, 0, 0, false);

        long[] toWire(UUID member) {
            return new long[] {member.getMostSignificantBits(), member.getLeastSignificantBits(), objects, bytes,
                    exceptions, claimsKept, draining ? 1 : 0};
        }
    }

    /** A load is told again after this long even if it has not changed, for members that joined since. */
    static final long HEARTBEAT_MILLIS = 2_000;

    private final ITopic<long[]> topic;
    private volatile UUID self;
    private final Map<UUID, Load> told = new ConcurrentHashMap<>();
    private final UUID registration;
    private volatile long[] lastTold;
    private long lastToldAt;
    /** This member's load as it last told it: what the others compare theirs with. */
    private volatile Load ownAsTold = Load.NONE;

    Loads(ITopic<long[]> topic, UUID self) {
        this.topic = topic;
        this.self = self;
        this.registration = topic.addMessageListener(this::heard);
    }

    private void heard(Message<long[]> message) {
        long[] wire = message.getMessageObject();
        if (wire == null || wire.length != 7) {
            return;
        }
        UUID member = new UUID(wire[0], wire[1]);
        if (!member.equals(self)) {
            told.put(member, new Load(wire[2], wire[3], wire[4], wire[5], wire[6] != 0));
        }
    }

    /** Tells the others this member's load, if it changed or the heartbeat is due; on one thread only. */
    void tell(Load load, long nowMillis) {
        long[] wire = load.toWire(self);
        if (lastTold != null && java.util.Arrays.equals(wire, lastTold) && nowMillis - lastToldAt < HEARTBEAT_MILLIS) {
            return;
        }
        topic.publish(wire);
        lastTold = wire;
        lastToldAt = nowMillis;
        ownAsTold = load;
    }

    /** This member's id changed (it merged into another cluster after a split): its load is told under the new one. */
    void self(UUID now) {
        self = now;
        lastTold = null;
    }

    /** Whether {@code member} has told its load yet. */
    boolean knows(UUID member) {
        return told.containsKey(member);
    }

    /** Tells this member's load at the next {@link #tell}, changed or not (a member joined). */
    void tellAgain() {
        lastTold = null;
    }

    /**
     * This member's load as it last told it. The bound compares it, not the exact load, with the
     * others' as they last told theirs: all as old, so that a member does not find itself over
     * the mean only because its own count is fresher than theirs.
     */
    Load toldOwn() {
        return ownAsTold;
    }

    /** The load {@code member} last told (nothing yet: none). */
    Load of(UUID member) {
        return told.getOrDefault(member, Load.NONE);
    }

    /** Forgets the members not in {@code live}. */
    void retain(Set<UUID> live) {
        told.keySet().removeIf(member -> !live.contains(member));
    }

    void close() {
        try {
            topic.removeMessageListener(registration);
        } catch (RuntimeException e) {
            // the member is already stopped
        }
    }
}
