package sibyl.node;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import sibyl.config.SettingsLoader;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.builtin.RuleFileException;
import sibyl.icp.policy.plugins.PluginException;
import sibyl.icp.policy.plugins.PolicyTypes;
import sibyl.icp.server.IcpServer;
import sibyl.icp.server.IcpServerStats;
import sibyl.node.admin.AdminServer;
import sibyl.node.admin.NodeControl;
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
import sibyl.node.metrics.Sources;
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

    private final NodeResources resources;
    private final Control control;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SibylNode(NodeResources resources, Control control) {
        this.resources = resources;
        this.control = control;
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
        try (NodeResources resources = new NodeResources("check", settings, null)) {
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
            checkRules("http.drop-rules", http, http.dropRules(), resources.housekeeping, problems);
            checkRules("http.nocache-rules", http, http.nocacheRules(), resources.housekeeping, problems);
        }
        return problems;
    }

    private static void checkRules(String key, HttpSettings http, java.util.Optional<java.nio.file.Path> file,
            ScheduledExecutorService housekeeping, List<String> problems) {
        try {
            rules(key, http, file, housekeeping).close();
        } catch (SettingsException e) {
            problems.add(e.getMessage());
        }
    }

    /**
     * Starts a node from {@code settings} made in code; it cannot reload them (there is no file
     * to read again). {@link #start(Path, Map)} is what {@code sibyl node} uses.
     *
     * @see #start(Path, Map)
     */
    public static SibylNode start(NodeSettings settings) throws PluginException, InterruptedException, BindException {
        return start(settings, null);
    }

    /**
     * Reads the settings from {@code file} (null: the defaults) and {@code environment}, as
     * {@code sibyl node} does, and starts a node that reads them again on {@link #reload}.
     *
     * @throws SettingsException naming the setting, file and line at fault
     * @see #start(NodeSettings)
     */
    public static SibylNode start(Path file, Map<String, String> environment)
            throws PluginException, InterruptedException, BindException {
        return start(SettingsLoader.load(file, environment), new NodeResources.Source(file, environment));
    }

    /**
     * Opens the admin listener (not ready yet) and the cache, loads the policy types (built-in,
     * the node's {@code cache} type, plugins), builds the chain the settings name, starts the
     * HTTP proxy, joins the cluster, warms up, then answers ICP: ICP last, so no HIT is promised
     * before the proxy can serve it. Ready once ICP answers.
     *
     * @throws SettingsException for settings that cannot work here (a rule file that does not
     *     parse, an access log that cannot be opened, more cache than direct memory)
     * @throws PluginException naming the plugin jar or policy setting that is wrong
     * @throws BindException naming the setting and the address that is taken
     */
    private static SibylNode start(NodeSettings settings, NodeResources.Source source)
            throws PluginException, InterruptedException, BindException {
        String name = settings.name().isEmpty() ? hostName() : settings.name();
        IcpSettings icpSettings = settings.icp();
        HttpSettings httpSettings = settings.http();
        checkDirectMemory(settings.cache(), settings.http().limits());
        NodeResources resources = new NodeResources(name, settings, source);
        try {
            resources.logLevels.apply(settings.logLevels());
            Clock clock = Clock.systemUTC();
            ClusterSettings clusterSettings = settings.cluster();
            IndexClaims claims = new IndexClaims(clock);
            resources.index = new CacheIndex(settings.cache().memoryBytes(), settings.cache().maxObjectBytes(),
                    resources.housekeeping, clusterSettings.enabled() ? claims : CacheIndex.Listener.NONE);
            claims.holdings(resources.index);
            resources.store = PlacedBodyStore.open(settings.cache(), HttpProxyServer.usesEpoll(httpSettings));
            resources.history = new TrafficHistory();
            Control control = new Control(resources);
            if (settings.admin().enabled()) {
                // First: /healthz answers, and /readyz says why not yet, while the node starts.
                resources.admin = AdminServer.start(settings.admin(), control);
            }
            resources.types = PolicyTypes.discover(icpSettings.pluginDirectory(),
                    List.of(new CachePolicyProvider(resources.index, clock)));
            for (PolicySettings policy : icpSettings.policies()) {
                resources.chain.register(policy.name(),
                        resources.types.create(policy.key(), policy.name(), policy.block(), resources.housekeeping));
            }
            resources.drop = rules("http.drop-rules", httpSettings, httpSettings.dropRules(), resources.housekeeping);
            resources.nocache = rules("http.nocache-rules", httpSettings, httpSettings.nocacheRules(), resources.housekeeping);
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
            resources.http = HttpProxyServer.start(new HttpProxyServer.Context(name, httpSettings, settings.origin(),
                    stored, resources.drop, resources.nocache, resources.accessLog, clock, resources::clusterStatus, peers));
            resources.metrics.bind(new Sources(() -> resources.icp == null ? null : resources.icp.stats(), resources.chain,
                    resources.http.stats(), index, resources.store::counters, resources::clusterStatus));
            if (clusterSettings.enabled()) {
                resources.unready = "joining cluster " + clusterSettings.name();
                // A lite member first: it reads the partition table (so the warm-up runs the real
                // lookups) but answers for no URL, and no partition moves to it, until it is warm.
                resources.member = joinCluster(clusterSettings, name, resources.http.addresses().get(0), claims);
                resources.member.invalidations().listen(index::invalidate, regex -> ban(resources, regex));
                CachePolicy promises = new CachePolicy(resources.index, OWNER_FRESH_FOR, OWNER_PIN, clock);
                resources.chain.register(OWNER_POLICY, new OwnerPolicy(resources.member.ownership(),
                        clusterSettings.mode(), new HeldUrls(promises), resources.stage::get));
            }
            resources.unready = "warming up";
            // A proxy of its own, whose counters are not published: the warm-up's requests are not traffic.
            HttpProxyServer warmUpProxy = HttpProxyServer.start(new HttpProxyServer.Context(name,
                    WarmUp.proxySettings(httpSettings), settings.origin(), stored, UrlRules.NONE, UrlRules.NONE,
                    AccessLog.NONE, clock, () -> null, peers));
            try {
                WarmUp.log(name, new WarmUp(settings.warmUp(), icpSettings, resources.chain, resources.index)
                        .run(warmUpProxy.addresses().get(0)));
            } finally {
                warmUpProxy.close();
            }
            resources.chain.resetCounts(); // the warm-up's queries are not the node's traffic
            if (resources.member != null) {
                resources.unready = "taking partitions in cluster " + clusterSettings.name();
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
            try {
                resources.icp = IcpServer.start(new IcpServer.Options(icpSettings.listen(), icpSettings.threads(),
                        icpSettings.receiveBufferBytes(), icpSettings.nativeTransport(),
                        icpSettings.maxRepliesPerSender()), resources.chain);
            } catch (BindException e) {
                BindException named = new BindException("icp.listen: " + e.getMessage());
                named.initCause(e);
                throw named;
            }
            resources.history.sample(control.totals());
            resources.housekeeping.scheduleAtFixedRate(() -> resources.history.sample(control.totals()),
                    TrafficHistory.INTERVAL_SECONDS, TrafficHistory.INTERVAL_SECONDS, TimeUnit.SECONDS);
            resources.unready = null;
            return new SibylNode(resources, control);
        } catch (PluginException | InterruptedException | BindException | RuntimeException e) {
            if (resources.icp != null) {
                resources.icp.close();
            }
            if (resources.http != null) {
                resources.http.close();
            }
            resources.close();
            if (e instanceof BindException bind && !bind.getMessage().startsWith("icp.listen")
                    && !bind.getMessage().startsWith("admin.listen")) {
                BindException named = new BindException("http.listen: " + bind.getMessage());
                named.initCause(bind);
                throw named;
            }
            throw e;
        }
    }

    /** Another member purged every URL {@code regex} finds: the same here, off Hazelcast's event thread. */
    private static void ban(NodeResources resources, String regex) {
        try {
            resources.housekeeping.execute(() -> {
                long removed = resources.index.invalidateMatching(java.util.regex.Pattern.compile(regex).asPredicate());
                log.info("node {}: purged {} URLs matching {} as another member asked", resources.name, removed, regex);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping: nothing left to purge
        } catch (java.util.regex.PatternSyntaxException e) {
            log.warn("node {}: a ban from another member is not a pattern: {}", resources.name, e.getMessage());
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
        String name = resources.name;
        HttpProxyServer http = resources.http;
        resources.stage.set(Stage.HANDING_OFF);
        member.ownership().drain();
        log.info("node {}: draining: handing URLs over, then releasing claims and finishing responses", name);
        try {
            new Handoff(resources.index, member, name, resources.settings.cluster().handoff()).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("node {}: handing URLs over: {}", name, e.toString());
        }
        resources.stage.set(Stage.LEAVING);
        member.ownership().releaseAll();
        try {
            if (!http.drain(resources.settings.cluster().drainTimeout())) {
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

    static UrlRules rules(String key, HttpSettings http, java.util.Optional<java.nio.file.Path> file,
            ScheduledExecutorService housekeeping) {
        try {
            return UrlRules.watch(key, file, housekeeping, http.rulesReloadInterval());
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
        return resources.name;
    }

    /**
     * Reopens the access log at its path, once the lines before are written: after logrotate
     * moved the file away, what {@code sibyl node} does on SIGUSR1.
     */
    public void reopenLogs() {
        resources.accessLog.reopen();
    }

    /**
     * Reads the configuration file and environment again and applies what changed, or nothing:
     * what {@code sibyl node} does on SIGHUP, and {@code POST /reload} on the admin listener.
     */
    public NodeControl.ReloadOutcome reload() {
        return control.reload();
    }

    /** The ICP addresses, with the ports picked for port 0. */
    public List<InetSocketAddress> icpAddresses() {
        return resources.icp.addresses();
    }

    /** The HTTP addresses, with the ports picked for port 0. */
    public List<InetSocketAddress> httpAddresses() {
        return resources.http.addresses();
    }

    /** The admin listener's addresses, with the ports picked for port 0; empty when it has none. */
    public List<InetSocketAddress> adminAddresses() {
        return resources.admin == null ? List.of() : resources.admin.addresses();
    }

    public IcpServerStats icpStats() {
        return resources.icp.stats();
    }

    public HttpStats httpStats() {
        return resources.http.stats();
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
     * Says it is not ready (load balancers stop sending), stops answering ICP (no new HIT
     * promises), then HTTP, then releases the cache, threads and the admin listener. Closing
     * again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        resources.unready = "stopping";
        ClusterMember member = resources.member;
        if (member != null) {
            drain(member);
        }
        resources.icp.close();
        resources.http.close();
        resources.accessLog.flush();
        resources.close();
        log.info("node {} stopped", resources.name);
    }
}
