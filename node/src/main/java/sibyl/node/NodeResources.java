package sibyl.node;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.ClusterStatus;
import sibyl.cluster.Stage;
import sibyl.config.NodeSettings;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.plugins.PolicyTypes;
import sibyl.icp.server.IcpServer;
import sibyl.node.admin.AdminServer;
import sibyl.node.cache.CacheIndex;
import sibyl.node.http.AccessLog;
import sibyl.node.http.HttpProxyServer;
import sibyl.node.http.UrlRules;
import sibyl.node.logging.LogLevels;
import sibyl.node.metrics.NodeMetrics;
import sibyl.node.store.PlacedBodyStore;

/**
 * What a node holds, filled in as it starts and closed in reverse order of opening: one
 * context that the node, its reloads and its admin listener all read, rather than each being
 * handed a long list of parts.
 */
final class NodeResources implements AutoCloseable {
    final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sibyl-housekeeping");
        thread.setDaemon(true);
        return thread;
    });
    final PolicyChain chain = new PolicyChain();
    final AtomicReference<Stage> stage = new AtomicReference<>(Stage.SERVING);
    final NodeMetrics metrics = new NodeMetrics();
    final LogLevels logLevels = new LogLevels();
    final long startedMillis = System.currentTimeMillis();
    /** Where the settings were read from, to read them again on a reload; null: given in code. */
    final Source source;
    final String name;
    /** The settings in force: those started with, then each reload's. */
    volatile NodeSettings settings;
    /** Why the node is not ready (starting, warming up, draining), or null once it is. */
    volatile String unready = "starting";
    volatile ClusterMember member;
    /** The member once promoted (warm): misses are routed to other members from then on. */
    volatile ClusterMember routing;
    volatile HttpProxyServer http;
    volatile IcpServer icp;
    AdminServer admin;
    TrafficHistory history;
    CacheIndex index;
    PlacedBodyStore store;
    PolicyTypes types;
    volatile UrlRules drop = UrlRules.NONE;
    volatile UrlRules nocache = UrlRules.NONE;
    AccessLog accessLog = AccessLog.NONE;

    /** The file and environment a node's settings come from. */
    record Source(Path file, Map<String, String> environment) {
        Source {
            environment = Map.copyOf(environment);
        }
    }

    NodeResources(String name, NodeSettings settings, Source source) {
        this.name = name;
        this.settings = settings;
        this.source = source;
    }

    /** The cluster's state as this member sees it, or null outside a cluster. */
    ClusterStatus clusterStatus() {
        ClusterMember current = member;
        return current == null ? null : current.status(stage.get() != Stage.SERVING);
    }

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
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }
}
