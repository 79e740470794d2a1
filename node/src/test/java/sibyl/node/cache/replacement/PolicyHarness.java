package sibyl.node.cache.replacement;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Caches of weights only: one driven through {@link Replacement} the way the index drives it (a
 * request is counted before its response is stored), and an LRU of the same maximum to hold it
 * against.
 */
final class PolicyHarness {

    /** A request for object {@code id} of {@code weight}: true on a hit; stored on a miss. */
    interface Cache {
        boolean request(long id, long weight);
    }

    static final class Url extends Resident {
        final long id;

        Url(long hash, long id) {
            super(hash);
            this.id = id;
        }
    }

    /** What a {@link Replacement} keeps, by object id. */
    static final class Held implements Cache {
        private final Replacement<Url> policy;
        private final Map<Long, Url> urls = new HashMap<>();

        Held(Replacement<Url> policy) {
            this.policy = policy;
        }

        @Override
        public boolean request(long id, long weight) {
            Url url = urls.get(id);
            if (url != null) {
                policy.requested(url);
                return true;
            }
            long hash = policy.hash("http://example.com/" + id);
            policy.requested(hash);
            url = new Url(hash, id);
            urls.put(id, url);
            policy.add(url, weight);
            policy.evict(evicted -> urls.remove(evicted.id));
            return false;
        }

        boolean holds(long id) {
            return urls.containsKey(id);
        }
    }

    static Cache replacement(long maximum, long seed) {
        return new Held(new Replacement<>(maximum, new SplittableRandom(seed)));
    }

    static Cache lru(long maximum) {
        LinkedHashMap<Long, Long> held = new LinkedHashMap<>(16, 0.75f, true);
        long[] weight = {0};
        return (id, w) -> {
            if (held.get(id) != null) {
                return true;
            }
            held.put(id, w);
            weight[0] += w;
            var oldest = held.entrySet().iterator();
            while (weight[0] > maximum) {
                weight[0] -= oldest.next().getValue();
                oldest.remove();
            }
            return false;
        };
    }

    private PolicyHarness() {}
}
