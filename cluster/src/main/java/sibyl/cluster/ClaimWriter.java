package sibyl.cluster;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this member's claims and releases to the claims map in batches, in the order they were
 * made, on a thread of its own: whoever asks for a write (an event loop storing a response)
 * only queues it. What is queued while a batch is written goes out together in the next one:
 * one entry processor run for the claims (each refused where another member's claim stands),
 * one for the releases, each split by Hazelcast into one operation per member. A later write of
 * a URL replaces an earlier one still queued.
 */
final class ClaimWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClaimWriter.class);
    /** Writes queued at most; beyond, an event loop's write is dropped (and counted) rather than wait. */
    static final int CAPACITY = 65_536;
    static final int BATCH = 4_096;
    private static final long WRITE_TIMEOUT_SECONDS = 30;

    private sealed interface Op permits Write, Flush {}

    /** A claim until {@code expiresAtMillis}, or a release when that is 0. */
    private record Write(String key, long expiresAtMillis) implements Op {}

    private record Flush(CompletableFuture<Void> done) implements Op {}

    private final IMap<String, long[]> claims;
    private volatile UUID self;
    /** The members whose claims a claim of this member's does not replace: live, not draining. */
    private final Supplier<Set<UUID>> standing;
    /** Told of each claim refused because another member's stands. */
    private final Consumer<String> refused;
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>(CAPACITY);
    private final Thread thread;
    private volatile boolean closed;
    final LongAdder claimsWritten = new LongAdder();
    final LongAdder releasesWritten = new LongAdder();
    final LongAdder batches = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder claimsRefused = new LongAdder();

    ClaimWriter(IMap<String, long[]> claims, UUID self, Supplier<Set<UUID>> standing, Consumer<String> refused) {
        this.claims = claims;
        this.self = self;
        this.standing = standing;
        this.refused = refused;
        this.thread = new Thread(this::run, "sibyl-claim-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** This member's id changed (it merged into another cluster after a split): claims are written under the new one. */
    void self(UUID now) {
        self = now;
    }

    /** Queues a claim of {@code key} until {@code expiresAtMillis}; never blocks (false: dropped, queue full). */
    boolean claim(String key, long expiresAtMillis) {
        return offer(new Write(key, Math.max(1, expiresAtMillis)));
    }

    /** Queues the release of this member's claim of {@code key}; never blocks. */
    boolean release(String key) {
        return offer(new Write(key, 0));
    }

    private boolean offer(Op op) {
        if (closed || queue.offer(op)) {
            return !closed;
        }
        dropped.increment();
        return false;
    }

    /** Queues a claim, waiting for room: for a thread that may wait (membership changes). */
    void claimWaiting(String key, long expiresAtMillis) throws InterruptedException {
        put(new Write(key, Math.max(1, expiresAtMillis)));
    }

    /** Queues a release, waiting for room. */
    void releaseWaiting(String key) throws InterruptedException {
        put(new Write(key, 0));
    }

    private void put(Op op) throws InterruptedException {
        while (!closed && !queue.offer(op, 100, TimeUnit.MILLISECONDS)) {
            // full: the writer is behind; wait for it
        }
    }

    /** Completes once everything queued before it is written (or failed). */
    CompletableFuture<Void> flush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            put(new Flush(done));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.complete(null);
        }
        if (closed) {
            done.complete(null);
        }
        return done;
    }

    private void run() {
        List<Op> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Op first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                break;
            } catch (HazelcastInstanceNotActiveException e) {
                log.debug("claims not written: the member is stopping");
            } catch (RuntimeException e) {
                log.warn("claims not written: {}", e.toString());
            } finally {
                for (Op op : batch) {
                    if (op instanceof Flush flush) {
                        flush.done().complete(null);
                    }
                }
                batch.clear();
            }
        }
    }

    /** Writes a batch: the last write of each URL, claims first, then releases. */
    private void write(List<Op> batch) throws InterruptedException {
        Map<String, Long> latest = new LinkedHashMap<>();
        for (Op op : batch) {
            if (op instanceof Write write) {
                latest.put(write.key(), write.expiresAtMillis());
            }
        }
        if (latest.isEmpty()) {
            return;
        }
        Map<String, Long> claimed = new HashMap<>();
        Set<String> released = new java.util.HashSet<>();
        latest.forEach((key, expires) -> {
            if (expires == 0) {
                released.add(key);
            } else {
                claimed.put(key, expires);
            }
        });
        batches.increment();
        try {
            if (!claimed.isEmpty()) {
                Map<String, Boolean> written = claims.submitToKeys(claimed.keySet(), new ClaimProcessors.ClaimUnlessHeld(
                        self, Set.copyOf(standing.get()), System.currentTimeMillis(), claimed))
                        .toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                written.forEach((key, claimedHere) -> {
                    if (Boolean.TRUE.equals(claimedHere)) {
                        claimsWritten.increment();
                    } else {
                        claimsRefused.increment();
                        refused.accept(key);
                    }
                });
            }
            if (!released.isEmpty()) {
                claims.submitToKeys(released, new ClaimProcessors.ReleaseIfHeldBy(self)).toCompletableFuture()
                        .get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                releasesWritten.add(released.size());
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HazelcastInstanceNotActiveException) {
                throw (HazelcastInstanceNotActiveException) cause;
            }
            log.warn("{} claims and {} releases not written: {}", claimed.size(), released.size(), cause.toString());
        }
    }

    /** Writes what is queued (up to 5 s), then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }
}
