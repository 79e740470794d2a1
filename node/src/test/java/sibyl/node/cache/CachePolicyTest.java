package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static sibyl.node.cache.FreshnessTest.headers;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.TestQuery;
import sibyl.icp.policy.IcpVerdict;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.DirectBodyStore;
import sibyl.node.store.StoredBody;

class CachePolicyTest {
    final DirectBodyStore store = new DirectBodyStore();
    final CacheIndex index = new CacheIndex(10_000_000, 1_000_000, Runnable::run);
    final CachePolicy policy = new CachePolicy(index, Duration.ofSeconds(30), Duration.ofSeconds(5),
            Clock.fixed(Instant.ofEpochMilli(FreshnessTest.NOW), ZoneOffset.UTC));

    @AfterEach
    void close() {
        index.close();
    }

    @Test
    void aUrlHeldFreshForLongEnoughIsAHit() {
        store("http://example.com/a", "max-age=600");

        assertEquals(IcpVerdict.HIT, policy.decide(query("http://example.com/a")));
    }

    @Test
    void theQueryUrlIsCanonicalisedLikeTheStoredOne() {
        store("http://example.com/a", "max-age=600");

        assertEquals(IcpVerdict.HIT, policy.decide(query("HTTP://EXAMPLE.COM:80/a")));
    }

    @Test
    void aUrlNotHeldHasNoOpinion() {
        assertNull(policy.decide(query("http://example.com/nothing")));
    }

    @Test
    void aUrlFreshForLessThanTheLookAheadHasNoOpinion() {
        store("http://example.com/soon-stale", "max-age=20");

        assertNull(policy.decide(query("http://example.com/soon-stale")));
    }

    @Test
    void aHitKeepsTheUrlFromEvictionForTheHttpRequestThatFollows() {
        CacheIndex small = new CacheIndex(4_000, 1_000, Runnable::run); // parks up to 500 bytes: one entry
        CachePolicy smallPolicy = new CachePolicy(small, Duration.ofSeconds(30), Duration.ofSeconds(60),
                Clock.fixed(Instant.ofEpochMilli(FreshnessTest.NOW), ZoneOffset.UTC));
        store(small, "http://example.com/promised", "max-age=600");

        assertEquals(IcpVerdict.HIT, smallPolicy.decide(query("http://example.com/promised")));
        for (int i = 0; i < 100; i++) {
            store(small, "http://example.com/filler/" + i, "max-age=600");
        }
        small.cleanUp();

        assertEquals(IcpVerdict.HIT, smallPolicy.decide(query("http://example.com/promised")));
        small.close();
    }

    @Test
    void aUrlThatMustBeRevalidatedEveryTimeIsNoHit() {
        store("http://example.com/no-cache", "max-age=600, no-cache");

        assertNull(policy.decide(query("http://example.com/no-cache")));
    }

    private void store(String url, String cacheControl) {
        store(index, url, cacheControl);
    }

    private void store(CacheIndex into, String url, String cacheControl) {
        BodyWriter writer = store.open(10);
        writer.write(Unpooled.wrappedBuffer(new byte[10]));
        StoredBody body = writer.finish();
        HttpHeaders headers = headers("Cache-Control", cacheControl);
        into.store(new CacheEntry(url, VaryKey.NONE, 200, headers, FreshnessTest.of(200, headers), body), List.of());
        body.release();
    }

    private static IcpQuery query(String url) {
        return TestQuery.of(url);
    }
}
