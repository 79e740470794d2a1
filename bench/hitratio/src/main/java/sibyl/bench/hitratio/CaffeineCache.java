package sibyl.bench.hitratio;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The index policy of the builds before the adaptive one: Caffeine bounded by the same weights
 * (Window TinyLFU with a 1% window, its hill climber, a sketch aged every ten times its entries),
 * asked with {@code getIfPresent} per request and {@code put} after a miss, as that index was.
 */
final class CaffeineCache implements ReplayedCache {
    private final Cache<Long, Long> cache;
    private final long maxObject;

    CaffeineCache(long memory, long maxObject) {
        this.maxObject = maxObject;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(memory)
                .weigher((Long id, Long weight) -> (int) Math.min(Integer.MAX_VALUE, weight))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public String name() {
        return "caffeine (previous build)";
    }

    @Override
    public boolean request(long id, long size) {
        if (cache.getIfPresent(id) != null) {
            return true;
        }
        if (size <= maxObject) {
            cache.put(id, Objects.weight(id, size));
        }
        return false;
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }
}
