package sibyl.bench.hitratio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import java.util.List;
import java.util.OptionalLong;
import sibyl.config.CacheSettings;
import sibyl.config.PipeSettings;
import sibyl.config.SettingsLoader;
import sibyl.node.cache.CacheEntry;
import sibyl.node.cache.CacheIndex;
import sibyl.node.store.BodyStore;
import sibyl.node.store.BodyWriter;
import sibyl.node.store.PlacedBodyStore;
import sibyl.node.store.StoredBody;

/**
 * The node's own index and body store, asked as the proxy asks them: a lookup per request, and on
 * a miss the body written into the store and offered to the index. Maintenance runs on the
 * replaying thread, after each store, where the node runs it on its housekeeping thread.
 */
final class IndexCache implements ReplayedCache {
    private static final HttpHeaders REQUEST = new ReadOnlyHttpHeaders(false);
    private static final int PIECE = 1 << 20;

    private final CacheIndex index;
    private final PlacedBodyStore store;
    private final ByteBuf zeros = Unpooled.directBuffer(PIECE).writeZero(PIECE);
    private final String name;

    /**
     * @param pipes whether bodies go where the node's defaults put them (some in kernel pipes), or
     *     all in direct memory
     */
    IndexCache(long memory, long maxObject, boolean pipes) {
        PipeSettings pipe = SettingsLoader.defaults().cache().pipe();
        if (!pipes) {
            pipe = new PipeSettings(false, 0, 0, OptionalLong.empty(), pipe.pipeBytes(), 1, OptionalLong.empty());
        }
        this.store = PlacedBodyStore.open(new CacheSettings(memory, maxObject, pipe, Long.MAX_VALUE, java.time.Duration.ZERO,
                java.time.Duration.ZERO, 0), true);
        this.index = new CacheIndex(memory, maxObject, Runnable::run);
        this.name = pipes ? "sibyl" : "sibyl (direct memory only)";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean request(long id, long size) {
        String url = Objects.url(id);
        CacheEntry entry = index.lookup(url, REQUEST);
        if (entry != null) {
            entry.body().release();
            return true;
        }
        if (size <= index.maxObjectBytes()) {
            StoredBody body = write(store, size);
            if (body != null) {
                index.store(Objects.entry(id, body), List.of());
                body.release();
            }
        }
        return false;
    }

    /** What the policy is doing, for the results. */
    String replacement() {
        return index.replacement().toString();
    }

    @Override
    public void close() {
        index.close();
        store.close();
        zeros.release();
    }

    private StoredBody write(BodyStore into, long size) {
        BodyWriter writer = into.open(size);
        for (long left = size; left > 0; left -= PIECE) {
            if (!writer.write(zeros.slice(0, (int) Math.min(PIECE, left)))) {
                return null;
            }
        }
        return writer.finish();
    }
}
