package sibyl.config;

/**
 * The cache's bounds; see {@code reference.conf}.
 *
 * @param memoryBytes what all stored responses may cost together
 * @param maxObjectBytes the largest body stored; larger ones stream through
 * @param pipe which bodies go into kernel pipes, and within what limits
 */
public record CacheSettings(long memoryBytes, long maxObjectBytes, PipeSettings pipe) {
    public CacheSettings {
        if (memoryBytes <= 0 || maxObjectBytes < 0) {
            throw new IllegalArgumentException("cache sizes must be positive");
        }
    }
}
