package sibyl.node;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.Stage;
import sibyl.cluster.policy.OwnerPolicy;
import sibyl.config.CacheSettings;
import sibyl.config.ClusterSettings;
import sibyl.config.HttpLimits;
import sibyl.config.HttpSettings;
import sibyl.config.IcpSettings;
import sibyl.config.NodeSettings;
import sibyl.config.PolicySettings;
import sibyl.config.SettingsException;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.builtin.RuleFileException;
import sibyl.icp.policy.plugins.PluginException;
import sibyl.icp.policy.plugins.PolicyTypes;
import sibyl.icp.server.IcpServer;
import sibyl.icp.server.IcpServerStats;
import sibyl.node.cache.CacheIndex;
import sibyl.node.cache.CachePolicy;
import sibyl.node.cache.CachePolicyProvider;
import sibyl.node.cache.Grace;
import sibyl.node.cluster.HeldUrls;
import sibyl.node.cluster.Handoff;
import sibyl.node.cluster.IndexClaims;
import sibyl.node.cluster.PeerOwners;
import sibyl.node.http.AccessLog;
import sibyl.node.http.HttpProxyServer;
import sibyl.node.http.HttpStats;
import sibyl.node.http.Peers;
import sibyl.node.http.UrlRules;
import sibyl.node.store.PlacedBodyStore;
import sibyl.node.warmup.WarmUp;

/**
 * A running node: the cache index and body store, the HTTP proxy serving from them, and the ICP
 * server whose policy chain (the {@code cache} type included) answers from them.
 */
public final class SibylNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SibylNode.class);
    /** Direct memory Netty needs besides cached bodies and request bodies: socket buffers, responses in transit. */
    private static final long DIRECT_MEMORY_HEADROOM = 32L << 20;
    /** The owner policy's name: after the access policies (10-acl), before the node's own cache policy (50-cache). */
    static final String OWNER_POLICY = "40-owner";
    /** What a HIT for a held URL promises, as the cache policy's defaults: fresh 30 s more, pinned 5 s. */
    private static final Duration OWNER_FRESH_FOR = Duration.ofSeconds(30);
    private static final Duration OWNER_PIN = Duration.ofSeconds(5);
    /**
     * How long a node that has just become a data member waits for partitions to reach it
     * before it opens its ICP port: in a cluster just formed, the last node to start then
     * answers for its share from its first query.
     */
    private static final Duration PARTITIONS_SETTLE = Duration.ofSeconds(30);

    private final String name;
    private final Resources resources;
    private final HttpProxyServer http;
    private final IcpServer icp;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Duration drainTimeout;
    private final ClusterSettings.Handoff handoff;

    private SibylNode(String name, Resources resources, HttpProxyServer http, IcpServer icp,
            ClusterSettings cluster) {
        this.name = name;
        this.drainTimeout = cluster.drainTimeout();
        this.handoff = cluster.handoff();
        this.resources = resources;
        this.http = http;
        this.icp = icp;
    }

    /** What a node holds besides its servers, closed in reverse order of opening. */
    private static final class Resources implements AutoCloseable {
        final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sibyl-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        final PolicyChain chain = new PolicyChain();
        final AtomicReference<Stage> stage = new AtomicReference<>(Stage.SERVING);
        volatile ClusterMember member;
        /** The member once promoted (warm): misses are routed to other members from then on. */
        volatile ClusterMember routing;
        CacheIndex index;
        PlacedBodyStore store;
        PolicyTypes types;
        UrlRules drop = UrlRules.NONE;
        UrlRules nocache = UrlRules.NONE;
        AccessLog accessLog = AccessLog.NONE;

        @Override
        public void close() {
            if (member != null) {
                member.close(); // leave: Hazelcast hands this member's partitions over first
            }
            chain.close();
            drop.close();
            nocache.close();
            accessLog.close();
            if (index != null) {
                index.close();
            }
            // shutdown, not shutdownNow: the index's removal work queued there releases bodies.
            housekeeping.shutdown();
            try {
                if (!housekeeping.awaitTermination(2, TimeUnit.SECONDS)) {
                    housekeeping.shutdownNow();
                }
            } catch (InterruptedException e) {
                housekeeping.shutdownNow();
                Thread.currentThread().interrupt();
            }
            if (store != null) {
                store.close(); // scratch pipes; stored bodies closed their pipes as the index let go
            }
            if (types != null) {
                types.close();
            }
        }
    }

    /**
     * What {@link #start} would refuse in {@code settings} beyond the settings themselves, found
     * without starting anything: each ICP policy made (its plugin jar loaded, its settings read)
     * and closed again, and each rule file read. Not checked: the addresses (binding them is
     * starting) and the JVM's direct memory (the checking JVM's is not the node's).
     *
     * @return each problem, as the node would name it; empty if none
     */
    public static List<String> check(NodeSettings settings) {
        List<String> problems = new java.util.ArrayList<>();
        Clock clock = Clock.systemUTC();
        try (Resources resources = new Resources()) {
            resources.index = new CacheIndex(settings.cache().memoryBytes(), settings.cache().maxObjectBytes(),
                    resources.housekeeping);
            try {
                resources.types = PolicyTypes.discover(settings.icp().pluginDirectory(),
                        List.of(new CachePolicyProvider(resources.index, clock)));
            } catch (PluginException e) {
                problems.add(e.getMessage());
                return problems;
            }
            for (PolicySettings policy : settings.icp().policies()) {
                try {
                    resources.chain.register(policy.name(),
                            resources.types.create(policy.key(), policy.name(), policy.block(), resources.housekeeping));
                } catch (PluginException | RuntimeException e) {
                    problems.add(e.getMessage());
                }
            }
            HttpSettings http = settings.http();
            checkRules("http.drop-rules", http, http.dropRules(), resources, problems);
            checkRules("http.nocache-rules", http, http.nocacheRules(), resources, problems);
        }
        return problems;
    }

    private static void checkRules(String key, HttpSettings http, java.util.Optional<java.nio.file.Path> file,
            Resources resources, List<String> problems) {
        try {
            rules(key, http, file, resources).close();
        } catch (SettingsException e) {
            problems.add(e.getMessage());
        }
    }

    /**
     * Opens the cache, loads the policy types (built-in, the node's {@code cache} type, plugins),
     * builds the chain the settings name, starts the HTTP proxy, then answers ICP: ICP last, so
     * no HIT is promised before the proxy can serve it.
     *
     * @throws SettingsException for settings that cannot work here (a rule file that does not
     *     parse, an access log that cannot be opened, more cache than direct memory)
     * @throws PluginException naming the plugin jar or policy setting that is wrong
     * @throws BindException naming the setting and the address that is taken
     */
    public static SibylNode start(NodeSettings settings) throws PluginException, InterruptedException, BindException {
        String name = settings.name().isEmpty() ? hostName() : settings.name();
        IcpSettings icpSettings = settings.icp();
        HttpSettings httpSettings = settings.http();
        checkDirectMemory(settings.cache(), settings.http().limits());
        Resources resources = new Resources();
        HttpProxyServer http = null;
        try {
            Clock clock = Clock.systemUTC();
            ClusterSettings clusterSettings = settings.cluster();
            IndexClaims claims = new IndexClaims(clock);
            resources.index = new CacheIndex(settings.cache().memoryBytes(), settings.cache().maxObjectBytes(),
                    resources.housekeeping, clusterSettings.enabled() ? claims : CacheIndex.Listener.NONE);
            claims.holdings(resources.index);
            resources.store = PlacedBodyStore.open(settings.cache(), HttpProxyServer.usesEpoll(httpSettings));
            resources.types = PolicyTypes.discover(icpSettings.pluginDirectory(),
                    List.of(new CachePolicyProvider(resources.index, clock)));
            for (PolicySettings policy : icpSettings.policies()) {
                resources.chain.register(policy.name(),
                        resources.types.create(policy.key(), policy.name(), policy.block(), resources.housekeeping));
            }
            resources.drop = rules("http.drop-rules", httpSettings, httpSettings.dropRules(), resources);
            resources.nocache = rules("http.nocache-rules", httpSettings, httpSettings.nocacheRules(), resources);
            if (httpSettings.accessLog().isPresent()) {
                try {
                    resources.accessLog = AccessLog.open(httpSettings.accessLog().get());
                } catch (IOException e) {
                    throw new SettingsException("http.access-log = " + httpSettings.accessLog().get()
                            + ": cannot be opened: " + e);
                }
            }
            CacheIndex index = resources.index;
            resources.housekeeping.scheduleWithFixedDelay(index::releaseExpiredPins, 1, 1, TimeUnit.SECONDS);
            log.info("node {}: ICP policies in order {} (then ICP_OP_MISS); known types {}", name,
                    resources.chain.names(), resources.types.names());
            Peers peers = clusterSettings.enabled() ? new PeerOwners(() -> resources.routing) : Peers.NONE;
            HttpProxyServer.Stored stored = new HttpProxyServer.Stored(resources.index, resources.store,
                    new Grace(settings.cache().staleWhileRevalidate(), settings.cache().staleIfError()),
                    settings.cache().sliceBytes());
            http = HttpProxyServer.start(httpSettings, settings.origin(), name, stored,
                    resources.drop, resources.nocache, resources.accessLog, clock, () -> {
                        ClusterMember member = resources.member;
                        return member == null ? null : member.status(resources.stage.get() != Stage.SERVING);
                    }, peers);
            if (clusterSettings.enabled()) {
                // A lite member first: it reads the partition table (so the warm-up runs the real
                // lookups) but answers for no URL, and no partition moves to it, until it is warm.
                resources.member = joinCluster(clusterSettings, name, http.addresses().get(0), claims);
                resources.member.invalidations().listen(resources.index::invalidate);
                CachePolicy promises = new CachePolicy(resources.index, OWNER_FRESH_FOR, OWNER_PIN, clock);
                resources.chain.register(OWNER_POLICY, new OwnerPolicy(resources.member.ownership(),
                        clusterSettings.mode(), new HeldUrls(promises), resources.stage::get));
            }
            HttpProxyServer warmUpProxy = HttpProxyServer.start(WarmUp.proxySettings(httpSettings), settings.origin(), name,
                    stored, UrlRules.NONE, UrlRules.NONE, AccessLog.NONE, clock, () -> null, peers);
            try {
                WarmUp.log(name, new WarmUp(settings.warmUp(), icpSettings, resources.chain, resources.index)
                        .run(warmUpProxy.addresses().get(0)));
            } finally {
                warmUpProxy.close();
            }
            if (resources.member != null) {
                claims.attach(resources.member.ownership());
                resources.member.promote();
                // Routing starts with the promotion, not once partitions settle: from then on the
                // others hand this node URLs (a draining member's handoff, a miss sent on) that it
                // must fill from their holders, not from the origin.
                resources.routing = resources.member;
                if (!resources.member.awaitPartitions(PARTITIONS_SETTLE)) {
                    log.warn("node {}: partitions still moving {} s after joining; serving anyway", name,
                            PARTITIONS_SETTLE.toSeconds());
                }
                log.info("node {}: member of cluster {} with {}; ICP policies now {}", name, clusterSettings.name(),
                        resources.member.members(), resources.chain.names());
            }
            IcpServer icp;
            try {
                icp = IcpServer.start(new IcpServer.Options(icpSettings.listen(), icpSettings.threads(),
                        icpSettings.receiveBufferBytes(), icpSettings.nativeTransport(),
                        icpSettings.maxRepliesPerSender()), resources.chain);
            } catch (BindException e) {
                BindException named = new BindException("icp.listen: " + e.getMessage());
                named.initCause(e);
                throw named;
            }
            return new SibylNode(name, resources, http, icp, settings.cluster());
        } catch (PluginException | InterruptedException | BindException | RuntimeException e) {
            if (http != null) {
                http.close();
            }
            resources.close();
            if (e instanceof BindException bind && !bind.getMessage().startsWith("icp.listen")) {
                BindException named = new BindException("http.listen: " + bind.getMessage());
                named.initCause(bind);
                throw named;
            }
            throw e;
        }
    }

    /**
     * Joins the cluster, advertising the HTTP address peers reach this node at: the one it listens
     * on, or the cluster address's host when it listens on every address.
     */
    private static ClusterMember joinCluster(ClusterSettings cluster, String name, InetSocketAddress http,
            IndexClaims holdings) {
        InetSocketAddress advertised = http.getAddress().isAnyLocalAddress()
                ? new InetSocketAddress(cluster.listen().getAddress(), http.getPort()) : http;
        try {
            return ClusterMember.join(cluster, name, advertised, holdings, true);
        } catch (RuntimeException e) {
            throw new SettingsException("cluster.listen = " + cluster.listen().getAddress().getHostAddress() + ":"
                    + cluster.listen().getPort() + ": cannot join cluster " + cluster.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops as a good member: hands its most requested URLs to their next owners (ICP promising
     * only what it still holds meanwhile, and the others placing nothing new on it), then
     * answers MISS_NOFETCH to everything, releases its claims (the URLs fall to the other members
     * at once) and lets the responses in flight finish, up to cluster.drain-timeout.
     */
    private void drain(ClusterMember member) {
        resources.stage.set(Stage.HANDING_OFF);
        member.ownership().drain();
        log.info("node {}: draining: handing URLs over, then releasing claims and finishing responses", name);
        try {
            new Handoff(resources.index, member, name, handoff).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("node {}: handing URLs over: {}", name, e.toString());
        }
        resources.stage.set(Stage.LEAVING);
        member.ownership().releaseAll();
        try {
            if (!http.drain(drainTimeout)) {
                log.warn("node {}: {} responses still in flight after cluster.drain-timeout; closing them",
                        name, http.stats().inFlight());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Cached bodies, bodies being filled and request bodies live in direct memory: a cache larger
     * than the JVM allows would fail on the first big fill.
     */
    private static void checkDirectMemory(CacheSettings cache, HttpLimits limits) {
        long available = PlatformDependent.maxDirectMemory();
        long needed = cache.memoryBytes() + cache.fillBytes() + limits.requestBodiesInFlight() + DIRECT_MEMORY_HEADROOM;
        if (needed > available) {
            throw new SettingsException("cache.memory = " + cache.memoryBytes() / (1 << 20) + "m, cache.fills-in-flight = "
                    + cache.fillBytes() / (1 << 20) + "m and http.request-bodies-in-flight = "
                    + limits.requestBodiesInFlight() / (1 << 20) + "m need "
                    + needed / (1 << 20) + " MiB of direct memory, but this JVM allows " + available / (1 << 20)
                    + " MiB: start it with -XX:MaxDirectMemorySize=" + (needed / (1 << 20) + 1) + "m (JAVA_OPTS for bin/sibyl),"
                    + " or lower those settings");
        }
    }

    private static UrlRules rules(String key, HttpSettings http, java.util.Optional<java.nio.file.Path> file,
            Resources resources) {
        try {
            return UrlRules.watch(key, file, resources.housekeeping, http.rulesReloadInterval());
        } catch (RuleFileException e) {
            throw new SettingsException(key + ": " + e.getMessage(), e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "sibyl";
        }
    }

    public String name() {
        return name;
    }

    /**
     * Reopens the access log at its path, once the lines before are written: after logrotate
     * moved the file away, what {@code sibyl node} does on SIGUSR1.
     */
    public void reopenLogs() {
        resources.accessLog.reopen();
    }

    /** The ICP addresses, with the ports picked for port 0. */
    public List<InetSocketAddress> icpAddresses() {
        return icp.addresses();
    }

    /** The HTTP addresses, with the ports picked for port 0. */
    public List<InetSocketAddress> httpAddresses() {
        return http.addresses();
    }

    public IcpServerStats icpStats() {
        return icp.stats();
    }

    public HttpStats httpStats() {
        return http.stats();
    }

    /** Members of this node's cluster as it sees them (this one included); 0 when it is in none. */
    public int clusterMembers() {
        return resources.member == null ? 0 : resources.member.members().size();
    }

    /** The cache index: what the node holds. */
    public CacheIndex index() {
        return resources.index;
    }

    /** The live policy chain: registering on it changes answers at once. */
    public PolicyChain policies() {
        return resources.chain;
    }

    /**
     * Stops answering ICP (no new HIT promises), then HTTP, then releases the cache and threads.
     * Closing again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ClusterMember member = resources.member;
        if (member != null) {
            drain(member);
        }
        icp.close();
        http.close();
        resources.accessLog.flush();
        resources.close();
        log.info("node {} stopped", name);
    }
}
