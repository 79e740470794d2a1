package sibyl.bench;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import sibyl.node.cache.CacheControl;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.CacheIndex;
import sibyl.node.cache.CachePolicy;
import sibyl.node.cache.Freshness;
import sibyl.node.cache.Heuristics;
import sibyl.node.cache.VaryKey;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.DirectBodyStore;
import sibyl.node.store.StoredBody;

/**
 * The index's two read paths, over 10,000 stored URLs of 1 KiB in an index of 16 MiB (84% full, as
 * a working cache is: Caffeine, in the builds before, skipped recording reads below half full),
 * with maintenance on a thread of its own as in the node:
 * <ul>
 *   <li>{@code icpPromise}: the ICP {@code cache} policy's decision ({@link CachePolicy#promise}:
 *       the variants, their freshness, the pin);
 *   <li>{@code httpHit}: a hit's lookup on the HTTP path (the entry with a body reference,
 *       released at once), which also counts the request for the replacement policy.
 * </ul>
 * Two threads, as the node's two event loops (or ICP sockets) on this machine. Run:
 * {@code bench/jmh.sh CacheLookup} (add {@code -prof gc} for allocation per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(2)
public class CacheLookupBenchmark {
    private static final int URLS = 10_000;
    private static final HttpHeaders REQUEST = new ReadOnlyHttpHeaders(false);

    private final DirectBodyStore store = new DirectBodyStore();
    private final String[] keys = new String[URLS];
    private ExecutorService maintenance;
    private CacheIndex index;
    private CachePolicy policy;

    /** Each thread's own walk through the URLs. */
    @State(Scope.Thread)
    public static class Walk {
        int next;

        String key(String[] keys) {
            next = (next + 7919) % keys.length; // a prime stride: every URL, in no cache-friendly order
            return keys[next];
        }
    }

    @Setup
    public void fill() {
        maintenance = Executors.newSingleThreadExecutor();
        index = new CacheIndex(16 << 20, 1 << 20, maintenance);
        Clock clock = Clock.systemUTC();
        policy = new CachePolicy(index, Duration.ofSeconds(30), Duration.ofSeconds(5), clock);
        long now = clock.millis();
        for (int i = 0; i < URLS; i++) {
            keys[i] = "http://www.example.com/static/assets/object-" + i + ".js";
            HttpHeaders headers = new DefaultHttpHeaders().set("Cache-Control", "max-age=86400")
                    .set("Content-Length", "1024").set("Content-Type", "application/javascript");
            Freshness freshness = Freshness.of(200, headers, CacheControl.parse(headers.getAll("Cache-Control")), now,
                    now, Heuristics.RFC_SUGGESTED);
            BodyWriter writer = store.open(1024);
            writer.write(Unpooled.wrappedBuffer(new byte[1024]));
            StoredBody body = writer.finish();
            index.store(new CacheEntry(keys[i], VaryKey.NONE, 200, headers, freshness, body), List.of());
            body.release();
        }
        index.cleanUp();
    }

    @TearDown
    public void close() throws InterruptedException {
        index.close();
        maintenance.shutdown();
        maintenance.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Benchmark
    public boolean icpPromise(Walk walk) {
        return policy.promise(walk.key(keys));
    }

    @Benchmark
    public CacheEntry httpHit(Walk walk) {
        CacheEntry entry = index.lookup(walk.key(keys), REQUEST);
        entry.body().release();
        return entry;
    }
}
