package sibyl.cluster;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.topic.ITopic;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * URLs removed from the cache on every member at once: what a PURGE or a successful unsafe
 * request on one member invalidates, wherever the URL is held (its owner, a claim's holder, a
 * copy left by a split). Told over a topic, as the cluster's other news is; a member that is
 * cut off misses what is said meanwhile, as it would a PURGE sent to it.
 *
 * <p>A flood of unsafe requests must not become a flood of cluster messages: keys wait here
 * for {@value #LINGER_MILLIS} ms, the same key once, and go out together, at most
 * {@value #BATCH} to a message. At most {@value #MAX_PENDING} keys wait; past that, more are
 * dropped and counted ({@code invalidations_dropped}): the other members then keep those URLs
 * until they expire or are purged again.
 */
public final class Invalidations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Invalidations.class);
    /** Keys that may wait to be told. */
    static final int MAX_PENDING = 65_536;
    /** Keys told in one message at most. */
    static final int BATCH = 1_024;
    /** How long the first key waits for others to go out with it. */
    static final long LINGER_MILLIS = 10;

    private final ITopic<String[]> topic;
    private final UUID self;
    private final ScheduledExecutorService sender;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}; a flush is scheduled whenever it is not empty. */
    private LinkedHashSet<String> pending = new LinkedHashSet<>();
    private final LongAdder published = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder bans = new LongAdder();
    private final LongAdder bansReceived = new LongAdder();
    /** How many other members there are now. */
    private final java.util.function.IntSupplier others;
    private volatile UUID registration;

    /**
     * A message that is a ban rather than keys starts with this, which no cache key can be
     * (keys are absolute URLs).
     */
    private static final String BAN = "\0ban";

    Invalidations(ITopic<String[]> topic, UUID self, java.util.function.IntSupplier others) {
        this.topic = topic;
        this.others = others;
        this.self = self;
        this.sender = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sibyl-invalidations");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Tells the other members to remove {@code keys} (cache keys); this member has removed them
     * itself. Never blocks: called on event loops.
     */
    public void publish(Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        boolean first;
        synchronized (lock) {
            first = pending.isEmpty();
            for (String key : keys) {
                if (pending.size() < MAX_PENDING) {
                    pending.add(key);
                } else if (!pending.contains(key)) {
                    dropped.increment();
                }
            }
        }
        if (first) {
            try {
                sender.schedule(this::flush, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed: the others hear of nothing more from this member
            }
        }
    }

    private void flush() {
        List<String> keys;
        synchronized (lock) {
            keys = new ArrayList<>(pending);
            pending = new LinkedHashSet<>();
        }
        for (int from = 0; from < keys.size(); from += BATCH) {
            List<String> batch = keys.subList(from, Math.min(keys.size(), from + BATCH));
            try {
                topic.publish(batch.toArray(String[]::new));
                messages.increment();
                published.add(batch.size());
            } catch (HazelcastInstanceNotActiveException e) {
                return; // stopping
            } catch (RuntimeException e) {
                dropped.add(batch.size());
                log.warn("telling the other members to invalidate {} URLs: {}", batch.size(), e.toString());
            }
        }
    }

    /**
     * Tells the other members to remove every URL {@code regex} is found in, as this member has
     * (a ban, as Varnish has): at once, not batched, since an operator waits on it. A member cut
     * off from the cluster meanwhile, or joining later, does not hear it.
     *
     * @return the other members it was told to
     */
    public int ban(String regex) {
        topic.publish(new String[] {BAN, regex});
        bans.increment();
        return others.getAsInt();
    }

    /**
     * Calls {@code invalidate} with each key another member invalidated and {@code ban} with each
     * pattern another member banned, from now on. A ban's work (every URL held matched) is the
     * listener's to move off Hazelcast's event thread.
     */
    public void listen(Consumer<String> invalidate, Consumer<String> ban) {
        registration = topic.addMessageListener(message -> {
            if (message.getPublishingMember() != null && self.equals(message.getPublishingMember().getUuid())) {
                return; // this member's own: done already
            }
            String[] keys = message.getMessageObject();
            if (keys != null && keys.length == 2 && BAN.equals(keys[0])) {
                bansReceived.increment();
                ban.accept(keys[1]);
            } else if (keys != null) {
                received.add(keys.length);
                for (String key : keys) {
                    invalidate.accept(key);
                }
            }
        });
    }

    /** What this member told and heard, for the counters page. */
    Map<String, Long> counters() {
        return Map.of("invalidations_published", published.sum(), "invalidation_messages", messages.sum(),
                "invalidations_dropped", dropped.sum(), "invalidations_received", received.sum(),
                "bans_published", bans.sum(), "bans_received", bansReceived.sum());
    }

    /** Tells what waits (up to 5 s), then stops listening. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS); // a scheduled flush still runs
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
