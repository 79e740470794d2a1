package sibyl.node.http;

import java.time.Clock;
import java.util.function.Supplier;
import sibyl.cluster.ClusterStatus;
import sibyl.node.cache.CacheIndex;
import sibyl.node.cache.Grace;
import sibyl.node.cache.Heuristics;
import sibyl.node.store.BodyStore;

/**
 * What every connection's handlers share: the index, the body store, the fetches in flight, the
 * clock freshness is reckoned by, the operator's grace for stale responses, the targeted
 * Cache-Control fields obeyed in accelerator mode, and the counters; the smallest unstored body spliced from
 * origin to client (-1: never); the size of the slices range misses are fetched in (0: none); the node's view of its cluster (null outside one), and the
 * members URLs are fetched from when they own them.
 */
record ProxyCache(CacheIndex index, BodyStore store, Fetches fetches, Clock clock, Heuristics heuristics, Grace grace,
        TargetedControl targeted, HttpStats stats, Via via, long spliceMinBytes, long sliceBytes, Supplier<ClusterStatus> cluster,
        Peers peers) {}
