package sibyl.bench.hitratio;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** LRU over the same weights and object limit as the node's index: the reference every cache is held against. */
final class LruCache implements ReplayedCache {
    private final LinkedHashMap<Long, Long> weights = new LinkedHashMap<>(1024, 0.75f, true);
    private final long memory;
    private final long maxObject;
    private long weight;

    LruCache(long memory, long maxObject) {
        this.memory = memory;
        this.maxObject = maxObject;
    }

    @Override
    public String name() {
        return "lru";
    }

    @Override
    public boolean request(long id, long size) {
        if (weights.get(id) != null) {
            return true;
        }
        if (size <= maxObject) {
            long objectWeight = Objects.weight(id, size);
            weights.put(id, objectWeight);
            weight += objectWeight;
            Iterator<Map.Entry<Long, Long>> oldest = weights.entrySet().iterator();
            while (weight > memory) {
                weight -= oldest.next().getValue();
                oldest.remove();
            }
        }
        return false;
    }

    @Override
    public void close() {}
}
