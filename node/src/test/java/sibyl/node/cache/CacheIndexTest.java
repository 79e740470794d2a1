package sibyl.node.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sibyl.node.cache.FreshnessTest.headers;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.DirectBodyStore;
import sibyl.node.store.PendingTransfer;
import sibyl.node.store.StoredBody;

class CacheIndexTest {
    /** Maintenance on the calling thread: evictions happen before a store returns. */
    static final Executor SAME_THREAD = Runnable::run;

    final DirectBodyStore store = new DirectBodyStore();
    CacheIndex index = new CacheIndex(10_000_000, 1_000_000, SAME_THREAD);

    @AfterEach
    void everyBodyIsFreedInTheEnd() {
        index.close();
        assertEquals(0, store.bytesHeld());
    }

    @Test
    void aStoredResponseIsFoundWithAReferenceOfItsOwn() {
        store("http://example.com/a", VaryKey.NONE, 1000);

        CacheEntry found = index.lookup("http://example.com/a", headers());

        assertNotNull(found);
        assertEquals(2, found.body().refCnt(), "the index's reference and the caller's");
        found.body().release();
        assertNull(index.lookup("http://example.com/other", headers()));
    }

    @Test
    void variantsAreChosenByTheRequestsVaryFields() {
        List<String> vary = List.of("accept-encoding");
        store("http://example.com/v", VaryKey.of(vary, headers("Accept-Encoding", "gzip")), 100, vary);
        store("http://example.com/v", VaryKey.of(vary, headers("Accept-Encoding", "br")), 200, vary);

        CacheEntry gzip = index.lookup("http://example.com/v", headers("Accept-Encoding", "gzip"));
        CacheEntry br = index.lookup("http://example.com/v", headers("Accept-Encoding", "br"));

        assertEquals(100, gzip.body().length());
        assertEquals(200, br.body().length());
        assertNull(index.lookup("http://example.com/v", headers("Accept-Encoding", "identity")));
        assertEquals(2, index.peek("http://example.com/v").size());
        gzip.body().release();
        br.body().release();
    }

    @Test
    void aNewVaryStartsTheUrlAfresh() {
        List<String> byEncoding = List.of("accept-encoding");
        store("http://example.com/v", VaryKey.of(byEncoding, headers("Accept-Encoding", "gzip")), 100, byEncoding);

        store("http://example.com/v", VaryKey.NONE, 300);

        assertEquals(1, index.peek("http://example.com/v").size());
        CacheEntry entry = index.lookup("http://example.com/v", headers("Accept-Encoding", "gzip"));
        assertEquals(300, entry.body().length());
        entry.body().release();
    }

    @Test
    void storingAVariantAgainReplacesItAndFreesTheOldBody() {
        store("http://example.com/r", VaryKey.NONE, 1000);
        store("http://example.com/r", VaryKey.NONE, 2000);
        index.cleanUp();

        assertEquals(2000, store.bytesHeld());
        assertEquals(1, index.peek("http://example.com/r").size());
    }

    @Test
    void aBodyLargerThanTheObjectLimitIsNotStored() {
        StoredBody body = body(1_000_001);

        assertFalse(index.store(entry("http://example.com/big", VaryKey.NONE, body), List.of()));

        body.release();
        assertEquals(0, index.size());
    }

    @Test
    void theIndexStaysWithinItsBytesAndFreesWhatItEvicts() {
        index = new CacheIndex(1_000_000, 100_000, SAME_THREAD);
        for (int i = 0; i < 100; i++) {
            store("http://example.com/object/" + i, VaryKey.NONE, 50_000);
        }
        index.cleanUp();

        assertTrue(index.weight() <= 1_000_000, "weight " + index.weight());
        assertTrue(index.evictions() > 0);
        assertTrue(store.bytesHeld() <= 1_000_000, "bodies held " + store.bytesHeld());
    }

    @Test
    void storesDoMaintenanceThemselvesWhenItFallsBehind() {
        index = new CacheIndex(1_000_000, 100_000, task -> {}); // maintenance that never runs
        for (int i = 0; i < 500; i++) {
            store("http://example.com/stuck/" + i, VaryKey.NONE, 10_000);
        }

        long bound = 1_000_000 + (CacheIndex.MAX_PENDING_WRITES + 1) * 10_000L;
        assertTrue(store.bytesHeld() <= bound, "bodies held " + store.bytesHeld() + ", at most " + bound);
    }

    @Test
    void anEntryEvictedWhileItIsServedIsFreedWhenTheTransferEnds() {
        index = new CacheIndex(200_000, 100_000, SAME_THREAD);
        byte[] bytes = store("http://example.com/served", VaryKey.NONE, 90_000);
        CacheEntry serving = index.lookup("http://example.com/served", headers());
        PendingTransfer transfer = PendingTransfer.of(serving.body(), 0, serving.body().length());
        serving.body().release();

        for (int i = 0; i < 20; i++) {
            store("http://example.com/filler/" + i, VaryKey.NONE, 90_000);
        }
        index.cleanUp();
        assertTrue(index.peek("http://example.com/served").isEmpty(), "evicted");

        assertTrue(Arrays.equals(bytes, transfer.complete()), "the transfer reads every byte intact");
    }

    @Test
    void aPinnedUrlSurvivesEvictionUntilItsPinRunsOut() {
        index = new CacheIndex(800_000, 100_000, SAME_THREAD); // room for 100,000 parked bytes
        store("http://example.com/promised", VaryKey.NONE, 90_000);
        index.pin("http://example.com/promised", System.nanoTime() + Duration.ofMillis(300).toNanos());

        for (int i = 0; i < 20; i++) {
            store("http://example.com/filler/" + i, VaryKey.NONE, 90_000);
        }
        index.cleanUp();

        CacheEntry promised = index.lookup("http://example.com/promised", headers());
        assertNotNull(promised, "the HTTP request after the ICP HIT finds it");
        promised.body().release();

        await().atMost(Duration.ofSeconds(5)).until(() -> {
            index.releaseExpiredPins();
            return index.peek("http://example.com/promised").isEmpty();
        });
    }

    @Test
    void pinnedUrlsParkNoMoreThanAnEighthOfTheBound() {
        index = new CacheIndex(800_000, 100_000, SAME_THREAD);
        long pin = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        for (int i = 0; i < 3; i++) {
            store("http://example.com/promised/" + i, VaryKey.NONE, 60_000);
            index.pin("http://example.com/promised/" + i, pin);
        }
        for (int i = 0; i < 40; i++) {
            store("http://example.com/filler/" + i, VaryKey.NONE, 60_000);
        }
        index.cleanUp();

        long promisedKept = java.util.stream.IntStream.range(0, 3)
                .filter(i -> !index.peek("http://example.com/promised/" + i).isEmpty()).count();
        assertTrue(index.weight() <= 800_000 + 100_000, "weight " + index.weight());
        assertEquals(3 - promisedKept, index.pinsBroken(), "every promised URL not kept was a promise broken");
    }

    @Test
    void invalidateRemovesEveryVariant() {
        List<String> vary = List.of("accept-language");
        store("http://example.com/p", VaryKey.of(vary, headers("Accept-Language", "en")), 10, vary);
        store("http://example.com/p", VaryKey.of(vary, headers("Accept-Language", "fr")), 10, vary);

        assertTrue(index.invalidate("http://example.com/p"));
        index.cleanUp();

        assertTrue(index.peek("http://example.com/p").isEmpty());
        assertFalse(index.invalidate("http://example.com/p"));
        assertEquals(0, store.bytesHeld());
    }

    @Test
    void peekGivesTheStoredVariantsWithoutReferences() {
        store("http://example.com/k", VaryKey.NONE, 10);

        List<CacheEntry> entries = index.peek("http://example.com/k");

        assertEquals(1, entries.size());
        assertEquals(1, entries.get(0).body().refCnt());
        assertSame(List.of(), index.peek("http://example.com/none"));
    }

    @Test
    void slicesAreEntriesOfTheirOwnThatGoWithTheirUrlAndAreNeverTakenForUrlsHeld() {
        List<String> told = new java.util.ArrayList<>();
        index = new CacheIndex(10_000_000, 1_000_000, SAME_THREAD, new CacheIndex.Listener() {
            @Override
            public void stored(CacheEntry entry) {
                told.add("stored " + entry.key());
            }

            @Override
            public void removed(String key) {
                told.add("removed " + key);
            }
        });
        String url = "http://example.com/video";
        store(url, VaryKey.NONE, 100);
        store(CacheKey.slice(url, 0), VaryKey.NONE, 1000);
        store(CacheKey.slice(url, 7), VaryKey.NONE, 1000);
        store(CacheKey.slice("http://example.com/other", 0), VaryKey.NONE, 1000);

        assertEquals(url, CacheKey.slicedUrl(CacheKey.slice(url, 7)));
        assertNull(CacheKey.slicedUrl(url));
        assertEquals(CacheKey.of(url), CacheKey.of(CacheKey.slice(url, 3)), "no request's key is a slice's");
        List<String> held = new java.util.ArrayList<>();
        index.forEachHeld(0, (key, freshUntil) -> held.add(key));
        assertEquals(List.of(url), held);
        assertEquals(List.of(url), index.hottest(Long.MAX_VALUE));

        assertTrue(index.invalidate(url));
        index.cleanUp();
        assertNull(index.lookup(CacheKey.slice(url, 0), headers()));
        assertNull(index.lookup(CacheKey.slice(url, 7), headers()));
        CacheEntry other = index.lookup(CacheKey.slice("http://example.com/other", 0), headers());
        assertNotNull(other, "another URL's slices stay");
        other.body().release();
        assertEquals(List.of("stored " + url, "removed " + url), told, "the listener hears of URLs only");

        store(CacheKey.slice(url, 1), VaryKey.NONE, 1000);
        assertTrue(index.invalidate(url), "a URL held only as slices is invalidated too");
        assertFalse(index.invalidate(url));
    }

    private byte[] store(String url, String variantKey, int size) {
        return store(url, variantKey, size, List.of());
    }

    private byte[] store(String url, String variantKey, int size, List<String> vary) {
        byte[] bytes = new byte[size];
        new java.util.Random(size).nextBytes(bytes);
        BodyWriter writer = store.open(size);
        writer.write(Unpooled.wrappedBuffer(bytes));
        StoredBody body = writer.finish();
        assertTrue(index.store(entry(url, variantKey, body), vary));
        body.release(); // the index holds its own
        return bytes;
    }

    private StoredBody body(int size) {
        BodyWriter writer = store.open(size);
        writer.write(Unpooled.wrappedBuffer(new byte[size]));
        return writer.finish();
    }

    static CacheEntry entry(String url, String variantKey, StoredBody body) {
        HttpHeaders headers = headers("Cache-Control", "max-age=600", "Content-Length", Long.toString(body.length()));
        return new CacheEntry(url, variantKey, 200, headers, FreshnessTest.of(200, headers), body);
    }
}
