package sibyl.node.metrics;

import java.util.Map;
import java.util.function.Supplier;
import sibyl.cluster.ClusterStatus;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.server.IcpServerStats;
import sibyl.node.cache.CacheIndex;
import sibyl.node.http.HttpStats;

/**
 * What a node's metrics are read from, at each scrape.
 *
 * @param icp the ICP server's counters; null until it listens
 * @param chain the ICP policy chain, for verdicts by policy
 * @param http the proxy's counters
 * @param index the cache index
 * @param store the body store's counters, by name (as the counters page lists them)
 * @param cluster the cluster's state now; null outside a cluster
 */
public record Sources(Supplier<IcpServerStats> icp, PolicyChain chain, HttpStats http, CacheIndex index,
        Supplier<Map<String, Long>> store, Supplier<ClusterStatus> cluster) {}
