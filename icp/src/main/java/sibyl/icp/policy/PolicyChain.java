package sibyl.icp.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named policies asked in name order; the first verdict wins, and {@link IcpVerdict#MISS} answers
 * what none decides.
 *
 * <p>As in zc.icp, names order the chain ({@link String#compareTo}: "10-acl" before "20-rules")
 * and registering a name again replaces the policy registered under it. Registration copies the
 * chain, so {@link #decide} reads one immutable array and takes no lock.
 *
 * <p>The chain owns its policies: it closes one when it is replaced or removed, and all of them
 * when the chain is closed.
 */
public final class PolicyChain implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyChain.class);
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private volatile Link[] links = new Link[0];
    private final LongAdder failures = new LongAdder();
    private final LongAdder undecided = new LongAdder();
    /** Verdicts by policy name, kept across re-registrations so a reload does not reset them. */
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();

    /**
     * Registers {@code policy} under {@code name}, replacing (and closing) any policy already
     * registered under that name.
     */
    public synchronized void register(String name, IcpPolicy policy) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        List<Link> next = new ArrayList<>(Arrays.asList(links));
        Link replaced = null;
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).name.equals(name)) {
                replaced = next.set(i, link(name, policy));
            }
        }
        if (replaced == null) {
            next.add(link(name, policy));
            next.sort((a, b) -> a.name.compareTo(b.name));
        }
        links = next.toArray(new Link[0]);
        if (replaced != null) {
            closeQuietly(replaced);
        }
    }

    /** Removes and closes the policy registered under {@code name}; false if there was none. */
    public synchronized boolean unregister(String name) {
        Link[] current = links;
        for (int i = 0; i < current.length; i++) {
            if (current[i].name.equals(name)) {
                Link[] next = new Link[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, next.length - i);
                links = next;
                closeQuietly(current[i]);
                return true;
            }
        }
        return false;
    }

    /** The registered names, in the order the chain asks them. */
    public List<String> names() {
        return Arrays.stream(links).map(link -> link.name).toList();
    }

    /** The first verdict of the policies in name order, or {@link IcpVerdict#MISS}. Never null. */
    public IcpVerdict decide(IcpQuery query) {
        for (Link link : links) {
            IcpVerdict verdict;
            try {
                verdict = link.policy.decide(query);
            } catch (RuntimeException | LinkageError e) {
                failed(link, query, e);
                continue;
            }
            if (verdict != null) {
                link.counts.verdicts[verdict.ordinal()].increment();
                return verdict;
            }
        }
        undecided.increment();
        return IcpVerdict.MISS;
    }

    /**
     * Replaces the whole chain at once with {@code policies} (name → policy): a query sees either
     * the old chain or the new one, never a mix. Each policy that was registered and is not in
     * {@code policies} (by identity) is closed; passing a registered policy again keeps it.
     */
    public synchronized void replaceAll(Map<String, IcpPolicy> policies) {
        List<Link> next = new ArrayList<>();
        policies.forEach((name, policy) -> next.add(link(Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(policy, "policy"))));
        next.sort((a, b) -> a.name.compareTo(b.name));
        Link[] previous = links;
        links = next.toArray(new Link[0]);
        Set<IcpPolicy> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(policies.values());
        for (Link link : previous) {
            if (!kept.contains(link.policy)) {
                closeQuietly(link);
            }
        }
    }

    /** The policy registered under {@code name}, if any. */
    public Optional<IcpPolicy> policy(String name) {
        return Arrays.stream(links).filter(link -> link.name.equals(name)).map(link -> link.policy).findFirst();
    }

    /**
     * The verdicts each policy has decided, by policy name, since the chain was made: those of
     * policies no longer registered included. Queries no policy decided are {@link #undecided}.
     */
    public Map<String, Map<IcpVerdict, Long>> verdictsByPolicy() {
        Map<String, Map<IcpVerdict, Long>> byPolicy = new TreeMap<>();
        counts.forEach((name, policyCounts) -> {
            Map<IcpVerdict, Long> byVerdict = new EnumMap<>(IcpVerdict.class);
            for (IcpVerdict verdict : IcpVerdict.values()) {
                byVerdict.put(verdict, policyCounts.verdicts[verdict.ordinal()].sum());
            }
            byPolicy.put(name, byVerdict);
        });
        return byPolicy;
    }

    /** How many times each policy has thrown instead of deciding, by name, as {@link #verdictsByPolicy}. */
    public Map<String, Long> failuresByPolicy() {
        Map<String, Long> byPolicy = new TreeMap<>();
        counts.forEach((name, policyCounts) -> byPolicy.put(name, policyCounts.failures.sum()));
        return byPolicy;
    }

    /**
     * Forgets the verdicts and failures counted so far: for queries that were not traffic (a
     * node's warm-up, before it is ready), so that its metrics start from its first real query.
     */
    public void resetCounts() {
        counts.values().forEach(Counts::reset);
        undecided.reset();
    }

    /** Queries no policy decided, answered {@link IcpVerdict#MISS}. */
    public long undecided() {
        return undecided.sum();
    }

    private Link link(String name, IcpPolicy policy) {
        return new Link(name, policy, counts.computeIfAbsent(name, key -> new Counts()));
    }

    /**
     * Whether every {@link SenderFilter} of the chain admits {@code sender}: the senders the
     * node talks to at all, beyond the verdicts it gives (an error reply, say).
     */
    public boolean admits(InetAddress sender) {
        for (Link link : links) {
            if (link.policy instanceof SenderFilter filter && !filter.admits(sender)) {
                return false;
            }
        }
        return true;
    }

    /** How many times a policy has thrown instead of deciding. */
    public long failures() {
        return failures.sum();
    }

    /** Closes every policy; the chain is empty afterwards. */
    @Override
    public synchronized void close() {
        Link[] current = links;
        links = new Link[0];
        for (Link link : current) {
            closeQuietly(link);
        }
    }

    private void failed(Link link, IcpQuery query, Throwable e) {
        failures.increment();
        link.counts.failures.increment();
        long now = System.nanoTime();
        long last = link.lastLogged.get();
        if (now - last >= FAILURE_LOG_INTERVAL_NANOS && link.lastLogged.compareAndSet(last, now)) {
            long total = link.counts.failures.sum();
            log.warn("ICP policy '{}' threw on {} from {} (taken as no opinion; {} failures so far, logged at most every {} s)",
                    link.name, query.url(), query.sender(), total,
                    TimeUnit.NANOSECONDS.toSeconds(FAILURE_LOG_INTERVAL_NANOS), e);
        }
    }

    private static void closeQuietly(Link link) {
        try {
            link.policy.close();
        } catch (RuntimeException e) {
            log.warn("ICP policy '{}' failed to close", link.name, e);
        }
    }

    private static final class Link {
        final String name;
        final IcpPolicy policy;
        final Counts counts;
        final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);

        Link(String name, IcpPolicy policy, Counts counts) {
            this.name = name;
            this.policy = policy;
            this.counts = counts;
        }
    }

    /** What the policies registered under one name have done. */
    private static final class Counts {
        final LongAdder[] verdicts = new LongAdder[IcpVerdict.values().length];
        final LongAdder failures = new LongAdder();

        Counts() {
            Arrays.setAll(verdicts, i -> new LongAdder());
        }

        void reset() {
            Arrays.stream(verdicts).forEach(LongAdder::reset);
            failures.reset();
        }
    }
}
