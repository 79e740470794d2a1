package sibyl.config;

/**
 * The cache's bounds; see {@code reference.conf}.
 *
 * @param memoryBytes what all stored responses may cost together
 * @param maxObjectBytes the largest body stored; larger ones stream through
 */
public record CacheSettings(long memoryBytes, long maxObjectBytes) {
    public CacheSettings {
        if (memoryBytes <= 0 || maxObjectBytes < 0) {
            throw new IllegalArgumentException("cache sizes must be positive");
        }
    }
}
