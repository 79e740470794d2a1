package sibyl.node.metrics;

import io.netty.util.internal.PlatformDependent;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sibyl.cluster.ClusterStatus;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.server.IcpServerStats;
import sibyl.icp.metrics.LatencyHistogram;
import sibyl.icp.wire.Rejection;
import sibyl.node.cache.CacheIndex;
import sibyl.node.http.HttpStats;

/**
 * The node's own metrics, read at each scrape from the counters the ICP server, the policy
 * chain, the proxy, the cache, the store and the cluster keep anyway. Label sets that grow as
 * the node runs (policies, cluster counters) are read afresh each time.
 */
final class NodeCollector implements MultiCollector {
    private final Sources sources;

    NodeCollector(Sources sources) {
        this.sources = sources;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> metrics = new ArrayList<>();
        IcpServerStats icp = sources.icp().get();
        if (icp != null) {
            icp(icp, metrics);
        }
        policies(metrics);
        http(sources.http(), metrics);
        cache(sources.index(), metrics);
        store(sources.store().get(), metrics);
        ClusterStatus cluster = sources.cluster().get();
        if (cluster != null) {
            cluster(cluster, metrics);
        }
        metrics.add(gauge("sibyl_direct_memory_used_bytes", "Direct memory in use: cached bodies, fills, buffers",
                directMemoryUsed()));
        metrics.add(gauge("sibyl_direct_memory_max_bytes", "Direct memory this JVM allows (-XX:MaxDirectMemorySize)",
                PlatformDependent.maxDirectMemory()));
        return new MetricSnapshots(metrics);
    }

    private static void icp(IcpServerStats icp, List<MetricSnapshot> metrics) {
        metrics.add(counter("sibyl_icp_received", "Datagrams read by the ICP server", icp.received()));
        CounterSnapshot.Builder queries = CounterSnapshot.builder().name("sibyl_icp_queries")
                .help("ICP queries answered, by ICP version and verdict");
        for (int version = 2; version <= 3; version++) {
            for (Map.Entry<IcpVerdict, Long> answered : icp.answered(version).entrySet()) {
                queries.dataPoint(point(answered.getValue(), "version", Integer.toString(version), "verdict",
                        answered.getKey().name()));
            }
        }
        metrics.add(queries.build());
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("sibyl_icp_errors")
                .help("Malformed queries answered ICP_OP_ERR, by what was wrong");
        for (Map.Entry<Rejection, Long> error : icp.errorsByReason().entrySet()) {
            errors.dataPoint(point(error.getValue(), "reason", lower(error.getKey().name())));
        }
        metrics.add(errors.build());
        metrics.add(CounterSnapshot.builder().name("sibyl_icp_dropped")
                .help("Datagrams not answered, by why: too short, not a query, over the sender's rate,"
                        + " malformed from a sender no acl admits")
                .dataPoint(point(icp.droppedTooShort(), "reason", "too_short"))
                .dataPoint(point(icp.ignored() - icp.notAdmitted(), "reason", "not_a_query"))
                .dataPoint(point(icp.rateLimited(), "reason", "rate_limited"))
                .dataPoint(point(icp.notAdmitted(), "reason", "not_admitted"))
                .build());
        metrics.add(counter("sibyl_icp_socket_errors", "Errors the ICP sockets reported", icp.socketErrors()));
        metrics.add(HistogramSnapshot.builder().name("sibyl_icp_reply_seconds")
                .help("Time from an ICP query read to its reply made: the policy chain and the encoding")
                .dataPoint(histogramPoint(icp.latency()))
                .build());
    }

    private void policies(List<MetricSnapshot> metrics) {
        CounterSnapshot.Builder verdicts = CounterSnapshot.builder().name("sibyl_icp_policy_verdicts")
                .help("Verdicts by the ICP policy that decided them; policy=\"none\": no policy decided (MISS)");
        CounterSnapshot.Builder exceptions = CounterSnapshot.builder().name("sibyl_icp_policy_exceptions")
                .help("Times an ICP policy threw instead of deciding (taken as no opinion)");
        sources.chain().verdictsByPolicy().forEach((policy, byVerdict) -> byVerdict.forEach((verdict, count) ->
                verdicts.dataPoint(point(count, "policy", policy, "verdict", verdict.name()))));
        verdicts.dataPoint(point(sources.chain().undecided(), "policy", "none", "verdict", IcpVerdict.MISS.name()));
        sources.chain().failuresByPolicy().forEach((policy, count) -> exceptions.dataPoint(point(count, "policy", policy)));
        metrics.add(verdicts.build());
        metrics.add(exceptions.build());
    }

    private static void http(HttpStats http, List<MetricSnapshot> metrics) {
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name("sibyl_http_requests")
                .help("Requests answered, by Squid result code and status");
        http.requestsByCodeAndStatus().forEach((code, byStatus) -> byStatus.forEach((status, count) ->
                requests.dataPoint(point(count, "code", code, "status", Integer.toString(status)))));
        metrics.add(requests.build());
        metrics.add(HistogramSnapshot.builder().name("sibyl_http_request_seconds")
                .help("Time from a request read to its response's last byte written, for hits and the rest")
                .dataPoint(histogramPoint(http.latency(true), "cache", "hit"))
                .dataPoint(histogramPoint(http.latency(false), "cache", "miss"))
                .build());
        metrics.add(HistogramSnapshot.builder().name("sibyl_origin_response_seconds")
                .help("Time from a request sent to an origin to its response's head")
                .dataPoint(histogramPoint(http.originLatency()))
                .build());
        metrics.add(gauge("sibyl_http_connections", "Client connections open", http.connections()));
        metrics.add(gauge("sibyl_http_requests_in_flight", "Requests begun and not yet answered in full", http.inFlight()));
        metrics.add(gauge("sibyl_http_request_body_bytes", "Bytes of request bodies held", http.requestBodyBytes()));
        metrics.add(CounterSnapshot.builder().name("sibyl_http_sent_bytes")
                .help("Response bytes written to clients, headers included, for hits and the rest")
                .dataPoint(point(http.hitBytesOut(), "cache", "hit"))
                .dataPoint(point(http.bytesOut() - http.hitBytesOut(), "cache", "miss"))
                .build());
        metrics.add(counter("sibyl_http_collapsed", "Requests that waited for another's fetch of the same object",
                http.collapsed()));
        metrics.add(counter("sibyl_http_spliced_responses", "Origin responses spliced from socket to socket",
                http.splicedResponses()));
        metrics.add(counter("sibyl_http_spliced_bytes", "Body bytes spliced past the JVM", http.splicedBytes()));
        metrics.add(counter("sibyl_cache_revalidations", "Stale entries checked with their origin", http.revalidations()));
        metrics.add(CounterSnapshot.builder().name("sibyl_cache_stale_served")
                .help("Stale entries served: while revalidated, or instead of the origin's failure")
                .dataPoint(point(http.staleWhileRevalidating(), "reason", "while_revalidate"))
                .dataPoint(point(http.staleOnError(), "reason", "if_error"))
                .build());
        metrics.add(counter("sibyl_origin_requests", "Requests sent to origins", http.originRequests()));
        CounterSnapshot.Builder originErrors = CounterSnapshot.builder().name("sibyl_origin_errors")
                .help("Origin exchanges that failed, by how");
        Map<String, Long> origin = http.origin().counters();
        origin.forEach((name, value) -> {
            if (name.startsWith("failures.")) {
                originErrors.dataPoint(point(value, "reason", name.substring("failures.".length())));
            }
        });
        metrics.add(originErrors.build());
        metrics.add(counter("sibyl_origin_retries", "Requests sent again after a kept-alive connection was found dead",
                origin.getOrDefault("retries", 0L)));
        metrics.add(gauge("sibyl_origin_pools", "Origin connection pools", origin.getOrDefault("pools", 0L)));
        metrics.add(counter("sibyl_peer_requests", "Misses fetched from the cluster member owning the URL",
                http.peerRequests()));
        metrics.add(counter("sibyl_peer_errors", "Of those, the ones the owner failed (then asked of the origin)",
                http.peerErrors()));
    }

    private static void cache(CacheIndex index, List<MetricSnapshot> metrics) {
        metrics.add(gauge("sibyl_cache_objects", "Objects in the cache index", index.size()));
        metrics.add(gauge("sibyl_cache_bytes", "Bytes the cache index holds, headers and bodies", index.weight()));
        metrics.add(counter("sibyl_cache_evictions", "Objects evicted to make room", index.evictions()));
        metrics.add(counter("sibyl_cache_pins_broken", "HIT promises broken to keep within cache.memory",
                index.pinsBroken()));
    }

    private static void store(Map<String, Long> store, List<MetricSnapshot> metrics) {
        GaugeSnapshot.Builder objects = GaugeSnapshot.builder().name("sibyl_store_objects").help("Bodies held, by engine");
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("sibyl_store_bytes").help("Body bytes held, by engine");
        objects.dataPoint(gaugePoint(store.getOrDefault("direct_bodies_held", 0L), "engine", "direct"));
        bytes.dataPoint(gaugePoint(store.getOrDefault("direct_bytes_held", 0L), "engine", "direct"));
        if (store.containsKey("pipe_bodies_held")) {
            objects.dataPoint(gaugePoint(store.get("pipe_bodies_held"), "engine", "pipe"));
            bytes.dataPoint(gaugePoint(store.get("pipe_bytes_held"), "engine", "pipe"));
            metrics.add(gauge("sibyl_store_pipe_pages", "Kernel pipe pages held by bodies", store.get("pipe_pages_held")));
            metrics.add(gauge("sibyl_store_pipe_descriptors", "Pipe descriptors held by bodies",
                    store.get("pipe_descriptors_held")));
        }
        metrics.add(objects.build());
        metrics.add(bytes.build());
        metrics.add(gauge("sibyl_store_filling_bytes", "Direct memory reserved by bodies being filled",
                store.getOrDefault("direct_bytes_filling", 0L)));
        metrics.add(CounterSnapshot.builder().name("sibyl_store_fallbacks")
                .help("Bodies not stored as placed: a fill over cache.fills-in-flight (streamed unstored), a pipe"
                        + " refused (kept in direct memory), a hit copied for want of a free transfer pipe")
                .dataPoint(point(store.getOrDefault("fill_refused", 0L), "reason", "fill_refused"))
                .dataPoint(point(store.getOrDefault("pipe_refused", 0L), "reason", "pipe_refused"))
                .dataPoint(point(store.getOrDefault("pipe_copied_transfers", 0L), "reason", "pipe_copied"))
                .build());
    }

    private static void cluster(ClusterStatus cluster, List<MetricSnapshot> metrics) {
        metrics.add(gauge("sibyl_cluster_members", "Members of the cluster as this node sees them, itself included",
                cluster.members().size()));
        metrics.add(gauge("sibyl_cluster_draining", "1 while this node hands over and leaves", cluster.draining() ? 1 : 0));
        cluster.counters().forEach((name, value) -> metrics.add(counter("sibyl_cluster_" + name,
                "Ownership: " + name.replace('_', ' '), value)));
    }

    /**
     * Netty's own count where it keeps one (buffers it frees itself), else the JVM's direct
     * buffer pool, where Netty's buffers then are.
     */
    private static long directMemoryUsed() {
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            return netty;
        }
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(point(value)).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(gaugePoint(value)).build();
    }

    private static CounterDataPointSnapshot point(long value, String... labels) {
        return CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }

    private static GaugeDataPointSnapshot gaugePoint(double value, String... labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }

    private static HistogramDataPointSnapshot histogramPoint(LatencyHistogram histogram, String... labels) {
        return HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(histogram.boundsSeconds(), histogram.counts()))
                .sum(histogram.totalSeconds())
                .labels(Labels.of(labels))
                .build();
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

}
