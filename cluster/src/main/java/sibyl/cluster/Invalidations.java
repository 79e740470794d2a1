package sibyl.cluster;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.topic.ITopic;
import java.util.Collection;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * URLs removed from the cache on every member at once: what a PURGE or a successful unsafe
 * request on one member invalidates, wherever the URL is held (its owner, a claim's holder, a
 * copy left by a split). Told over a topic, as the cluster's other news is; a member that is
 * cut off misses what is said meanwhile, as it would a PURGE sent to it.
 */
public final class Invalidations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Invalidations.class);

    private final ITopic<String[]> topic;
    private final UUID self;
    private volatile UUID registration;

    Invalidations(ITopic<String[]> topic, UUID self) {
        this.topic = topic;
        this.self = self;
    }

    /** Tells the other members to remove {@code keys} (cache keys); this member has removed them itself. */
    public void publish(Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        try {
            topic.publishAsync(keys.toArray(String[]::new));
        } catch (HazelcastInstanceNotActiveException e) {
            // stopping: the others hear of nothing more from this member
        } catch (RuntimeException e) {
            log.warn("telling the other members to invalidate {}: {}", keys, e.toString());
        }
    }

    /** Calls {@code invalidate} with each key another member invalidated, from now on. */
    public void listen(Consumer<String> invalidate) {
        registration = topic.addMessageListener(message -> {
            if (message.getPublishingMember() != null && self.equals(message.getPublishingMember().getUuid())) {
                return; // this member's own: done already
            }
            String[] keys = message.getMessageObject();
            if (keys != null) {
                for (String key : keys) {
                    invalidate.accept(key);
                }
            }
        });
    }

    @Override
    public void close() {
        UUID current = registration;
        if (current != null) {
            try {
                topic.removeMessageListener(current);
            } catch (RuntimeException e) {
                // already stopped
            }
        }
    }
}
