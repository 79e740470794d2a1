package sibyl.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.ClusterStatus;
import sibyl.cluster.Stage;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.server.IcpServer;
import sibyl.icp.server.IcpServerStats;
import sibyl.node.admin.Json;
import sibyl.node.admin.NodeControl;
import sibyl.node.http.HttpProxyServer;
import sibyl.node.http.HttpStats;
import sibyl.node.origin.OriginLatencies;

/** What the admin listener is answered with, read from the node's resources as they stand. */
final class Control implements NodeControl {
    /** Origins on the status page: those that answered within this long, slowest first. */
    private static final long SLOW_ORIGINS_WINDOW_MILLIS = 10 * 60_000;

    private final NodeResources node;
    private final Reload reload;

    Control(NodeResources node) {
        this.node = node;
        this.reload = new Reload(node);
    }

    @Override
    public Readiness readiness() {
        String unready = node.unready;
        if (unready != null) {
            return Readiness.notReady(unready);
        }
        Stage stage = node.stage.get();
        return stage == Stage.SERVING ? Readiness.READY : Readiness.notReady("draining (" + stage + ")");
    }

    @Override
    public String scrape() {
        return node.metrics.scrape();
    }

    @Override
    public ReloadOutcome reload() {
        return reload.run();
    }

    @Override
    public Listing list(Pattern match, int limit) {
        List<CachedObject> objects = new ArrayList<>();
        ClusterMember member = node.member;
        Map<UUID, String> names = new java.util.HashMap<>();
        if (member != null) {
            member.members().forEach(info -> names.put(info.id(), info.name()));
        }
        long matched = node.index.list(System.currentTimeMillis(), match == null ? url -> true : match.asPredicate(), limit,
                held -> objects.add(new CachedObject(held.key(), held.bytes(), held.engine(), held.freshSeconds(),
                        held.hits(), owner(member, names, held.key()))));
        return new Listing(objects, matched);
    }

    private String owner(ClusterMember member, Map<UUID, String> names, String key) {
        if (member == null) {
            return node.name;
        }
        UUID owner = member.ownership().owner(key);
        return owner == null ? "unknown" : names.getOrDefault(owner, owner.toString());
    }

    @Override
    public PurgeOutcome purge(Pattern match) {
        long removed = node.index.invalidateMatching(match.asPredicate());
        ClusterMember member = node.member;
        int members = member == null ? 0 : member.invalidations().ban(match.pattern());
        return new PurgeOutcome(removed, members);
    }

    @Override
    public String statusJson() {
        StringBuilder json = new StringBuilder("{");
        Readiness readiness = readiness();
        long now = System.currentTimeMillis();
        json.append("\"node\":{\"name\":").append(Json.string(node.name))
                .append(",\"version\":").append(Json.string(version()))
                .append(",\"startedMillis\":").append(node.startedMillis)
                .append(",\"nowMillis\":").append(now)
                .append(",\"ready\":").append(readiness.ready())
                .append(",\"readiness\":").append(Json.string(readiness.reason()))
                .append(",\"http\":").append(addresses(node.http == null ? List.of() : node.http.addresses()))
                .append(",\"icp\":").append(addresses(node.icp == null ? List.of() : node.icp.addresses()))
                .append('}');
        ClusterStatus cluster = node.clusterStatus();
        json.append(",\"cluster\":").append(cluster == null ? "null" : cluster.toJson());
        icp(json);
        HttpProxyServer http = node.http;
        if (http != null) {
            HttpStats stats = http.stats();
            json.append(",\"http\":{\"requests\":").append(stats.requests())
                    .append(",\"hits\":").append(stats.hits())
                    .append(",\"misses\":").append(stats.misses())
                    .append(",\"errors\":").append(stats.errors())
                    .append(",\"bytesOut\":").append(stats.bytesOut())
                    .append(",\"connections\":").append(stats.connections())
                    .append(",\"inFlight\":").append(stats.inFlight())
                    .append(",\"collapsed\":").append(stats.collapsed())
                    .append('}');
            json.append(",\"slowestOrigins\":[");
            String separator = "";
            for (OriginLatencies.Figures origin : stats.originLatencies().slowest(5, now - SLOW_ORIGINS_WINDOW_MILLIS)) {
                json.append(separator).append("{\"origin\":").append(Json.string(origin.origin()))
                        .append(",\"responses\":").append(origin.responses())
                        .append(",\"meanMillis\":").append(round(origin.meanMillis()))
                        .append(",\"maxMillis\":").append(round(origin.maxMillis())).append('}');
                separator = ",";
            }
            json.append(']');
        }
        Map<String, Long> store = node.store.counters();
        json.append(",\"cache\":{\"objects\":").append(node.index.size())
                .append(",\"bytes\":").append(node.index.weight())
                .append(",\"maxBytes\":").append(node.settings.cache().memoryBytes())
                .append(",\"evictions\":").append(node.index.evictions())
                .append(",\"stores\":[{\"engine\":\"direct\",\"objects\":").append(store.getOrDefault("direct_bodies_held", 0L))
                .append(",\"bytes\":").append(store.getOrDefault("direct_bytes_held", 0L)).append('}');
        if (store.containsKey("pipe_bodies_held")) {
            json.append(",{\"engine\":\"pipe\",\"objects\":").append(store.get("pipe_bodies_held"))
                    .append(",\"bytes\":").append(store.get("pipe_bytes_held")).append('}');
        }
        json.append("]}");
        json.append(",\"history\":{\"intervalSeconds\":").append(TrafficHistory.INTERVAL_SECONDS).append(",\"intervals\":[");
        String separator = "";
        for (TrafficHistory.Interval interval : node.history.intervals()) {
            json.append(separator).append("{\"endMillis\":").append(interval.endMillis())
                    .append(",\"requests\":").append(interval.requests())
                    .append(",\"hits\":").append(interval.hits())
                    .append(",\"bytesOut\":").append(interval.bytesOut())
                    .append(",\"icpQueries\":").append(interval.icpQueries()).append('}');
            separator = ",";
        }
        return json.append("]}}").toString();
    }

    /** The ICP chain in the order it is asked, each policy with its verdicts so far. */
    private void icp(StringBuilder json) {
        Map<String, Map<IcpVerdict, Long>> verdicts = node.chain.verdictsByPolicy();
        Map<String, Long> failures = node.chain.failuresByPolicy();
        json.append(",\"icp\":{\"chain\":[");
        String separator = "";
        for (String name : node.chain.names()) {
            json.append(separator).append("{\"name\":").append(Json.string(name)).append(",\"verdicts\":{");
            String inner = "";
            for (Map.Entry<IcpVerdict, Long> verdict : verdicts.getOrDefault(name, Map.of()).entrySet()) {
                json.append(inner).append(Json.string(verdict.getKey().name())).append(':').append(verdict.getValue());
                inner = ",";
            }
            json.append("},\"exceptions\":").append(failures.getOrDefault(name, 0L)).append('}');
            separator = ",";
        }
        json.append("],\"undecided\":").append(node.chain.undecided());
        IcpServer icp = node.icp;
        if (icp != null) {
            IcpServerStats stats = icp.stats();
            json.append(",\"received\":").append(stats.received())
                    .append(",\"answered\":").append(stats.answered().values().stream().mapToLong(Long::longValue).sum())
                    .append(",\"errors\":").append(stats.errors())
                    .append(",\"dropped\":").append(stats.droppedTooShort() + stats.ignored() + stats.rateLimited());
        }
        json.append('}');
    }

    /** Running totals now, for the traffic history. */
    TrafficHistory.Totals totals() {
        HttpProxyServer http = node.http;
        IcpServer icp = node.icp;
        long icpQueries = icp == null ? 0 : icp.stats().answered().values().stream().mapToLong(Long::longValue).sum();
        return http == null ? new TrafficHistory.Totals(System.currentTimeMillis(), 0, 0, 0, icpQueries)
                : new TrafficHistory.Totals(System.currentTimeMillis(), http.stats().requests(), http.stats().hits(),
                        http.stats().bytesOut(), icpQueries);
    }

    private static String addresses(List<java.net.InetSocketAddress> addresses) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < addresses.size(); i++) {
            java.net.InetSocketAddress address = addresses.get(i);
            json.append(i == 0 ? "" : ",").append(Json.string(address.getAddress().getHostAddress() + ":" + address.getPort()));
        }
        return json.append(']').toString();
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }

    private static String version() {
        String version = SibylNode.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
