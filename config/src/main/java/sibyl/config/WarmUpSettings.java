package sibyl.config;

/**
 * What a node does before it opens its ICP port and joins its cluster, so that the JIT has
 * compiled its hot paths before Squid waits on them; see {@code reference.conf}
 * ({@code warm-up}).
 *
 * @param icpQueries ICP queries it answers on a loopback port of its own (0: none)
 * @param httpRequests cache hits it serves itself over loopback (0: none)
 */
public record WarmUpSettings(int icpQueries, int httpRequests) {
    public WarmUpSettings {
        if (icpQueries < 0 || httpRequests < 0) {
            throw new IllegalArgumentException("negative warm-up");
        }
    }
}
