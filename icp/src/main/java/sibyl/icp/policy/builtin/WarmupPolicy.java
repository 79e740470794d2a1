package sibyl.icp.policy.builtin;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * Answers {@link IcpVerdict#MISS_NOFETCH} to everything for a while after start, then has no
 * opinion: RFC 2186's own use of NOFETCH, "I am up, but don't fetch through me now", which keeps
 * a cold node from taking a full share of misses the moment it starts.
 *
 * <p>Settings: {@code duration} (e.g. {@code 30s}).
 */
public final class WarmupPolicy implements IcpPolicy {
    private static final Logger log = LoggerFactory.getLogger(WarmupPolicy.class);

    private final long startNanos;
    private final long durationNanos;
    private volatile boolean over;

    public WarmupPolicy(Duration duration) {
        this.startNanos = System.nanoTime();
        this.durationNanos = duration.toNanos();
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        if (over) {
            return null;
        }
        if (System.nanoTime() - startNanos >= durationNanos) {
            if (!over) {
                over = true;
                log.info("ICP policy warm-up over: no longer answering ICP_OP_MISS_NOFETCH to everything");
            }
            return null;
        }
        return IcpVerdict.MISS_NOFETCH;
    }
}
