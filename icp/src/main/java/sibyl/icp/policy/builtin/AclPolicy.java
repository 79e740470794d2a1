package sibyl.icp.policy.builtin;

import java.net.InetAddress;
import java.util.List;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * Answers {@link IcpVerdict#DENIED} to senders outside an allow-list of address blocks and has no
 * opinion on the others, so that the policies after it decide for allowed peers. Register it
 * under a name that sorts first.
 *
 * <p>Settings: {@code allow}, a list of address blocks ({@code ["192.0.2.0/24", "::1"]}).
 */
public final class AclPolicy implements IcpPolicy {
    private final Cidr[] allowed;

    public AclPolicy(List<Cidr> allowed) {
        this.allowed = allowed.toArray(new Cidr[0]);
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        InetAddress sender = query.sender().getAddress();
        for (Cidr block : allowed) {
            if (block.contains(sender)) {
                return null;
            }
        }
        return IcpVerdict.DENIED;
    }

    /** Whether only loopback senders, and some of them, are allowed, as by default. */
    public boolean loopbackOnly() {
        if (allowed.length == 0) {
            return false;
        }
        for (Cidr block : allowed) {
            if (!block.isLoopback()) {
                return false;
            }
        }
        return true;
    }

    public List<Cidr> allowed() {
        return List.of(allowed);
    }
}
