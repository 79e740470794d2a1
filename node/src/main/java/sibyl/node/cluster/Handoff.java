package sibyl.node.cluster;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.MemberInfo;
import sibyl.config.ClusterSettings;
import sibyl.node.cache.CacheIndex;

/**
 * What a draining node does before it leaves: hands its most requested URLs to the members
 * that will answer for them, so that a rolling restart loses few hits. For each URL, most
 * requested first, it asks the URL's successor, as a proxy, for the URL with a
 * {@code Sibyl-Handoff} field naming this node; the successor fetches it from this node's cache
 * (never its origin) and stores it, like any miss. Bounded by the settings' bytes and time, a
 * few requests at a time; the responses coming back are discarded.
 */
public final class Handoff {
    private static final Logger log = LoggerFactory.getLogger(Handoff.class);
    /** Requests in flight at once: enough to keep a LAN busy, few enough not to crowd the members' clients. */
    static final int CONCURRENCY = 8;

    /** What a handoff did. */
    public record Result(int urls, int handed, int failed, Duration took) {}

    private final CacheIndex index;
    private final ClusterMember member;
    private final String nodeName;
    private final ClusterSettings.Handoff settings;

    public Handoff(CacheIndex index, ClusterMember member, String nodeName, ClusterSettings.Handoff settings) {
        this.index = index;
        this.member = member;
        this.nodeName = nodeName;
        this.settings = settings;
    }

    /** Hands URLs over until done, or the settings' time is up. */
    public Result run() throws InterruptedException {
        long start = System.nanoTime();
        if (settings.maxBytes() == 0 || settings.timeout().isZero()) {
            return new Result(0, 0, 0, Duration.ZERO);
        }
        long deadline = start + settings.timeout().toNanos();
        List<String> urls = index.hottest(settings.maxBytes());
        Map<UUID, InetSocketAddress> addresses = new HashMap<>();
        for (MemberInfo info : member.members()) {
            InetSocketAddress http = PeerOwners.httpAddress(info.http());
            if (http != null && !info.id().equals(member.id())) {
                addresses.put(info.id(), http);
            }
        }
        Map<UUID, HttpClient> clients = new HashMap<>();
        Semaphore slots = new Semaphore(CONCURRENCY);
        AtomicInteger handed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        int asked = 0;
        for (String url : urls) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            UUID successor = member.ownership().successor(url);
            InetSocketAddress http = successor == null ? null : addresses.get(successor);
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (http == null || uri == null || !"http".equals(uri.getScheme())) {
                slots.release();
                continue;
            }
            HttpClient client = clients.computeIfAbsent(successor, id -> HttpClient.newBuilder()
                    .proxy(ProxySelector.of(http)).connectTimeout(Duration.ofSeconds(2)).build());
            HttpRequest request = HttpRequest.newBuilder(uri).header("Sibyl-Handoff", nodeName)
                    .timeout(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))).GET().build();
            asked++;
            CompletableFuture<HttpResponse<Void>> response = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
            response.whenComplete((answer, failure) -> {
                if (failure == null && answer.statusCode() == 200) {
                    handed.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                slots.release();
            });
        }
        long left = deadline - System.nanoTime();
        if (left > 0 && slots.tryAcquire(CONCURRENCY, left, TimeUnit.NANOSECONDS)) {
            slots.release(CONCURRENCY);
        }
        for (HttpClient client : clients.values()) {
            closeQuietly(client);
        }
        Result result = new Result(asked, handed.get(), failed.get(), Duration.ofNanos(System.nanoTime() - start));
        log.info("node {}: handed {} of its {} most requested URLs to their next owners in {} ms ({} failed)", nodeName,
                result.handed(), urls.size(), result.took().toMillis(), result.failed());
        return result;
    }

    private static void closeQuietly(HttpClient client) {
        if (client instanceof AutoCloseable closeable) { // Java 21 on; before, its threads end on their own
            try {
                closeable.close();
            } catch (Exception e) {
                // nothing left to do
            }
        }
    }
}
