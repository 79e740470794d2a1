package sibyl.config;

import java.util.Map;
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
 * @param admin the admin listener: metrics, health, status page, reload, cache maintenance
 * @param logLevels logger name (a package or class; {@code ROOT} for all) → level, applied
 *     over the Logback configuration's
 */
public record NodeSettings(String name, IcpSettings icp, HttpSettings http, CacheSettings cache,
        OriginSettings origin, ClusterSettings cluster, WarmUpSettings warmUp, AdminSettings admin,
        Map<String, String> logLevels) {
    public NodeSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(admin, "admin");
        logLevels = Map.copyOf(logLevels);
        Objects.requireNonNull(icp, "icp");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(warmUp, "warmUp");
    }
}
