package sibyl.node.splice;

/**
 * A kernel pipe: its two ends, both non-blocking and close-on-exec. Whoever made it closes it,
 * through the {@link Splice} that made it.
 */
public record Pipe(int readFd, int writeFd) {}
