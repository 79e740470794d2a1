package sibyl.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import sibyl.icp.policy.builtin.Cidr;

/**
 * The admin listener's settings (metrics, health, status page, reload, cache maintenance); see
 * {@code reference.conf} for each one's meaning.
 *
 * @param listen the addresses it listens on; empty: no admin listener
 * @param allow the clients it answers; others get 403
 */
public record AdminSettings(List<InetSocketAddress> listen, List<Cidr> allow) {
    public AdminSettings {
        listen = List.copyOf(Objects.requireNonNull(listen, "listen"));
        allow = List.copyOf(Objects.requireNonNull(allow, "allow"));
    }

    /** Whether the node opens an admin listener at all. */
    public boolean enabled() {
        return !listen.isEmpty();
    }
}
