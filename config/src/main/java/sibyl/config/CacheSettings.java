package sibyl.config;

/**
 * The cache's bounds; see {@code reference.conf}.
 *
 * @param memoryBytes what all stored responses may cost together
 * @param maxObjectBytes the largest body stored; larger ones stream through
 * @param pipe which bodies go into kernel pipes, and within what limits
 * @param fillBytes what bodies being filled into direct memory may hold together
 */
public record CacheSettings(long memoryBytes, long maxObjectBytes, PipeSettings pipe, long fillBytes) {
    public CacheSettings {
        if (memoryBytes <= 0 || maxObjectBytes < 0) {
            throw new IllegalArgumentException("cache sizes must be positive");
        }
        if (fillBytes < maxObjectBytes) {
            throw new IllegalArgumentException("fills in flight must have room for the largest object");
        }
    }
}
