package sibyl.node.cluster;

import sibyl.cluster.policy.LocalCache;
import sibyl.node.cache.CacheKey;
import sibyl.node.cache.CachePolicy;

/** The node's cache as the owner policy sees it: URLs keyed as the index keys them, and what a HIT may promise. */
public final class HeldUrls implements LocalCache {
    private final CachePolicy promises;

    public HeldUrls(CachePolicy promises) {
        this.promises = promises;
    }

    @Override
    public String key(String url) {
        return CacheKey.of(url);
    }

    @Override
    public boolean promise(String key) {
        return promises.promise(key);
    }
}
