package sibyl.icp.policy.builtin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a rule file when it changes and hands each good version to a consumer.
 *
 * <p>Changes are found by polling the file's modification time, size and file key on a
 * background executor, which also sees a file replaced by rename, the way editors and
 * configuration tools save. A change is read only once the file has stayed unchanged for one
 * poll interval, so that a file being rewritten in place is not read half written (an empty
 * file would otherwise briefly drop every rule). A version that does not parse is logged and
 * skipped: the rules in force stay until a good version arrives. A file that disappears keeps
 * its last rules too.
 */
public final class RuleFileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuleFileWatcher.class);

    private final String owner;
    private final Path file;
    private final Set<String> actions;
    private final Consumer<List<Rule>> consumer;
    private final ScheduledFuture<?> poll;
    private Stamp applied;
    private Stamp pending;
    private boolean missing;

    private RuleFileWatcher(String owner, Path file, Set<String> actions, Consumer<List<Rule>> consumer,
            Stamp stamp, ScheduledExecutorService executor, Duration interval) {
        this.owner = owner;
        this.file = file;
        this.actions = actions;
        this.consumer = consumer;
        this.applied = stamp;
        long millis = Math.max(1, interval.toMillis());
        this.poll = executor.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads {@code file} now, hands its rules to {@code consumer}, and watches it from then on.
     *
     * @param owner who uses the rules, for log lines (e.g. "ICP policy 'rules'")
     * @throws RuleFileException if the file cannot be read or parsed now
     */
    public static RuleFileWatcher watch(String owner, Path file, Set<String> actions, Consumer<List<Rule>> consumer,
            ScheduledExecutorService executor, Duration interval) throws RuleFileException {
        Objects.requireNonNull(consumer, "consumer");
        Stamp stamp = Stamp.of(file);
        if (stamp == null) {
            throw new RuleFileException(file + ": no such file");
        }
        List<Rule> rules = RuleFile.read(file, actions);
        consumer.accept(rules);
        log.info("{}: {} rules from {}", owner, rules.size(), file);
        return new RuleFileWatcher(owner, file, actions, consumer, stamp, executor, interval);
    }

    private void poll() {
        try {
            Stamp now = Stamp.of(file);
            if (now == null) {
                if (!missing) {
                    log.warn("{}: {} is gone; keeping the rules in force until it is back", owner, file);
                }
                missing = true;
                return;
            }
            missing = false;
            if (now.equals(applied)) {
                pending = null;
                return;
            }
            if (!now.equals(pending)) {
                pending = now; // changed since the last poll: read it once it has settled
                return;
            }
            applied = now;
            pending = null;
            List<Rule> rules = RuleFile.read(file, actions);
            consumer.accept(rules);
            log.info("{}: reloaded {} rules from {}", owner, rules.size(), file);
        } catch (RuleFileException e) {
            log.error("{}: keeping the rules in force: {}", owner, e.getMessage());
        } catch (RuntimeException e) {
            log.error("{}: keeping the rules in force after an error reloading {}", owner, file, e);
        }
    }

    @Override
    public void close() {
        poll.cancel(false);
    }

    private record Stamp(long modifiedNanos, long size, Object fileKey) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS), attributes.size(), attributes.fileKey());
            } catch (IOException e) {
                return null;
            }
        }
    }
}
