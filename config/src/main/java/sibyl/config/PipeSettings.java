package sibyl.config;

import java.util.OptionalLong;

/**
 * The pipe store: which bodies are kept in kernel pipes and what it may take of the kernel; see
 * {@code reference.conf} ({@code cache.pipe}).
 *
 * @param enabled whether bodies may go into pipes at all (Linux with epoll only)
 * @param minObjectBytes the smallest body put in pipes
 * @param maxObjectBytes the largest body put in pipes
 * @param memoryBytes what stored pipes may hold together; empty: derived from the kernel's
 *     {@code fs.pipe-user-pages-soft}
 * @param pipeBytes the size of each stored pipe and of each scratch pipe (a power of two)
 * @param transfers scratch pipes: hits spliced into sockets at once
 * @param descriptors file descriptors the store may hold; empty: half of RLIMIT_NOFILE
 */
public record PipeSettings(boolean enabled, long minObjectBytes, long maxObjectBytes, OptionalLong memoryBytes,
        int pipeBytes, int transfers, OptionalLong descriptors) {
    public PipeSettings {
        if (minObjectBytes < 0 || maxObjectBytes < minObjectBytes) {
            throw new IllegalArgumentException("the pipe band must be 0 <= min <= max");
        }
        if (pipeBytes <= 0 || Integer.bitCount(pipeBytes) != 1 || transfers < 1) {
            throw new IllegalArgumentException("pipe size must be a power of two, transfers at least 1");
        }
    }
}
