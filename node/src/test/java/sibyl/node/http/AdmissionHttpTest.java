package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import sibyl.node.cache.CacheKey;

/** What a node of 16 MiB keeps, as its clients see it. */
class AdmissionHttpTest {
    static final int OBJECTS = 200;
    static final int ROUNDS = 4;
    static final byte[] BODY = new byte[64 * 1024];
    /** Storable (cache.max-object-size is 32m) but heavier than the whole cache. */
    static final byte[] LARGE = new byte[20 << 20];
    static final CountDownLatch release = new CountDownLatch(1);

    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        new Random(64).nextBytes(BODY);
        origin.on("/large", exchange -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, LARGE.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(LARGE);
            }
        }).on("/set", exchange -> {
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, BODY.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(BODY);
            }
        });
        return "cache.memory = 16m\n";
    });

    /**
     * A client whose working set moves on, as a new user tried it: 64 KiB objects fresh for an
     * hour, 200 URLs asked for in random order four rounds in a row (12.5 MiB: the set fits), then
     * 200 other URLs, then 200 more. Each set is served from the cache from its second round on,
     * however many sets came before (the node used to shut the third set out: 3% hits).
     */
    @Test
    void everyWorkingSetIsServedFromTheCacheFromItsSecondRound() throws Exception {
        Random random = new Random(11);
        List<String> hitsPerRound = new ArrayList<>();
        try (HttpConnection client = node.connect()) {
            for (String set : List.of("A", "B", "C")) {
                for (int round = 1; round <= ROUNDS; round++) {
                    int fetched = 0;
                    for (int id : shuffled(random)) {
                        String path = "/set" + set + "/" + id;
                        int before = node.origin().count(path);
                        HttpConnection.Response response = client.send(
                                "GET " + node.origin().url(path) + " HTTP/1.1\nHost: 127.0.0.1:" + node.origin().port() + "\n\n");
                        assertEquals(200, response.status());
                        assertEquals(BODY.length, response.body().length);
                        fetched += node.origin().count(path) - before;
                    }
                    hitsPerRound.add(set + round + " " + (OBJECTS - fetched));
                    if (round == 1) {
                        assertEquals(OBJECTS, fetched, "set " + set + "'s first round is all misses");
                    } else {
                        assertTrue(OBJECTS - fetched >= OBJECTS * 0.99, "set " + set + " round " + round
                                + ": hits per round so far " + hitsPerRound);
                    }
                }
            }
        }
        String counters = node.send("GET /squid-internal-mgr/counters HTTP/1.1\nHost: node\n\n").text();
        assertTrue(counters.contains("sibyl.replacement.mode = recency\n"), counters);
        assertTrue(counters.contains("sibyl.replacement.switches = 0\n"), counters);
    }

    /**
     * Requests that waited for a fetch are answered from its response even when the cache does not
     * keep it, instead of going to the origin one after the other.
     */
    @Test
    void requestsThatWaitedForAResponseTheCacheDoesNotKeepAreAnsweredFromIt() throws Exception {
        new Random(20).nextBytes(LARGE);
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<HttpConnection.Response>> responses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                responses.add(pool.submit(() -> node.get(node.origin().url("/large"))));
            }
            // All asked, one origin request under way: the other seven wait for it.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> node.origin().count("/large") == 1 && node.sibyl().httpStats().inFlight() == clients);
            release.countDown();
            for (Future<HttpConnection.Response> response : responses) {
                assertArrayEquals(LARGE, response.get().body());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, node.origin().count("/large"));
        assertTrue(node.sibyl().index().peek(CacheKey.of(node.origin().url("/large"))).isEmpty(), "heavier than the cache");
    }

    private static List<Integer> shuffled(Random random) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < OBJECTS; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, random);
        return ids;
    }
}
