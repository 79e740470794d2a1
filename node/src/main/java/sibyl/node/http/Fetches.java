package sibyl.node.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The fetches in flight that other requests may wait for, by cache key: at most one origin
 * request per key stores a response at a time.
 */
final class Fetches {
    private final ConcurrentHashMap<String, Fetch> inFlight = new ConcurrentHashMap<>();

    /**
     * Registers {@code fetch} for its key unless another is in flight; returns the one in flight
     * then, else null.
     */
    Fetch registerOrGet(Fetch fetch) {
        return inFlight.putIfAbsent(fetch.key(), fetch);
    }

    Fetch get(String key) {
        return inFlight.get(key);
    }

    void remove(Fetch fetch) {
        inFlight.remove(fetch.key(), fetch);
    }
}
