package sibyl.bench.hitratio;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AbstractReferenceCounted;
import io.netty.channel.ChannelHandlerContext;
import sibyl.node.cache.CacheControl;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.Freshness;
import sibyl.node.cache.Heuristics;
import sibyl.node.cache.VaryKey;
import sibyl.node.store.StoredBody;

/**
 * A trace's objects as the node would store them: a URL per id, and the response an origin fresh
 * for a day would give, weighed as the node's index weighs it, so that every replayed cache counts
 * the same bytes.
 */
final class Objects {
    private static final long NOW = System.currentTimeMillis();

    private Objects() {}

    static String url(long id) {
        return "http://origin.test/o/" + id;
    }

    /** What a response of {@code size} bytes for {@code id} costs the node's index. */
    static long weight(long id, long size) {
        return entry(id, new Unread(size)).weight();
    }

    /** The node's entry for {@code id}'s response with {@code body}. */
    static CacheEntry entry(long id, StoredBody body) {
        HttpHeaders headers = new DefaultHttpHeaders()
                .set("Cache-Control", "max-age=86400")
                .set("Content-Length", Long.toString(body.length()));
        Freshness freshness = Freshness.of(200, headers, CacheControl.parse(headers.getAll("Cache-Control")), NOW, NOW,
                Heuristics.RFC_SUGGESTED);
        return new CacheEntry(url(id), VaryKey.NONE, 200, headers, freshness, body);
    }

    /** A body that is only a length: for weighing. */
    private static final class Unread extends AbstractReferenceCounted implements StoredBody {
        private final long length;

        Unread(long length) {
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public String engine() {
            return "none";
        }

        @Override
        public void writeRange(ChannelHandlerContext ctx, long offset, long length) {
            throw new UnsupportedOperationException("a body only weighed has no bytes");
        }

        @Override
        public StoredBody retain() {
            super.retain();
            return this;
        }

        @Override
        public StoredBody touch(Object hint) {
            return this;
        }

        @Override
        protected void deallocate() {}
    }
}
