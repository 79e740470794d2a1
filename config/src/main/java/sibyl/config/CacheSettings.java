package sibyl.config;

/**
 * The cache's bounds; see {@code reference.conf}.
 *
 * @param memoryBytes what all stored responses may cost together
 * @param maxObjectBytes the largest body stored; larger ones stream through
 * @param pipe which bodies go into kernel pipes, and within what limits
 * @param fillBytes what bodies being filled into direct memory may hold together
 * @param staleWhileRevalidate how long past its freshness a response the origin says nothing of
 *     may be served while it is revalidated in the background (RFC 5861's, by the operator)
 * @param staleIfError how long past its freshness a response the origin says nothing of may be
 *     served when the origin cannot be reached
 * @param sliceBytes the size of the aligned slices a range miss is fetched and stored in; 0: range
 *     misses are not sliced
 */
public record CacheSettings(long memoryBytes, long maxObjectBytes, PipeSettings pipe, long fillBytes,
        java.time.Duration staleWhileRevalidate, java.time.Duration staleIfError, long sliceBytes) {
    public CacheSettings {
        if (memoryBytes <= 0 || maxObjectBytes < 0) {
            throw new IllegalArgumentException("cache sizes must be positive");
        }
        if (sliceBytes < 0) {
            throw new IllegalArgumentException("the slice size must not be negative");
        }
        if (fillBytes < maxObjectBytes) {
            throw new IllegalArgumentException("fills in flight must have room for the largest object");
        }
    }
}
