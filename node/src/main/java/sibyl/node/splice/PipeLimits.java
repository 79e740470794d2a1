package sibyl.node.splice;

/**
 * The kernel's limits on this process's pipes.
 *
 * @param maxPipeBytes {@code fs.pipe-max-size}: the largest pipe an unprivileged process may ask for
 * @param userPagesSoft {@code fs.pipe-user-pages-soft}: pages all pipes of this user may hold
 *     before new pipes get two pages and growing one fails with EPERM (0: no limit); shared with
 *     every other process of the same user
 * @param pageSize bytes per page: pipes are sized and accounted in pages
 * @param openFiles RLIMIT_NOFILE: descriptors this process may have open
 * @param exempt whether this process has CAP_SYS_RESOURCE or CAP_SYS_ADMIN, which lift the
 *     per-user page limits
 */
public record PipeLimits(long maxPipeBytes, long userPagesSoft, int pageSize, long openFiles, boolean exempt) {

    /** Bytes of pipes this process may hold (with every other of its user), or {@link Long#MAX_VALUE} without a limit. */
    public long userBytesSoft() {
        return userPagesSoft == 0 || exempt ? Long.MAX_VALUE : userPagesSoft * pageSize;
    }
}
