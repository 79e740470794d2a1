package sibyl.config;

import java.util.Objects;

/**
 * Everything a node is configured with.
 *
 * @param name the node's name; empty means the host name
 * @param icp the ICP server and its policies
 * @param http the HTTP proxy
 * @param cache the cache's bounds
 * @param origin how origins are reached
 * @param cluster the cluster the node joins, if any
 * @param warmUp how the node exercises its hot paths before it serves
 */
public record NodeSettings(String name, IcpSettings icp, HttpSettings http, CacheSettings cache,
        OriginSettings origin, ClusterSettings cluster, WarmUpSettings warmUp) {
    public NodeSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(icp, "icp");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(warmUp, "warmUp");
    }
}
