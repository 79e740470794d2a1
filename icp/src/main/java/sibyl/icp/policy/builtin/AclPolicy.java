package sibyl.icp.policy.builtin;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.SenderFilter;

/**
 * Answers {@link IcpVerdict#DENIED} to senders outside an allow-list of address blocks and has no
 * opinion on the others, so that the policies after it decide for allowed peers. Register it
 * under a name that sorts first.
 *
 * <p>Settings: {@code allow}, a list of address blocks ({@code ["192.0.2.0/24", "::1"]}).
 */
public final class AclPolicy implements IcpPolicy, SenderFilter {
    /**
     * Senders whose answer is remembered. A node's peers are a handful of Squids, so this holds
     * them all; past it (a scan, spoofed sources) answers are worked out each time instead.
     */
    private static final int REMEMBERED_SENDERS = 4096;

    private final Cidr[] allowed;
    private final ConcurrentHashMap<InetAddress, Boolean> remembered = new ConcurrentHashMap<>();

    public AclPolicy(List<Cidr> allowed) {
        this.allowed = allowed.toArray(new Cidr[0]);
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        return admits(query.sender().getAddress()) ? null : IcpVerdict.DENIED;
    }

    @Override
    public boolean admits(InetAddress sender) {
        // Remembering the answer per address keeps the ICP path from copying the sender's
        // address bytes (InetAddress.getAddress()) for every query.
        Boolean allows = remembered.get(sender);
        if (allows == null) {
            allows = allows(sender.getAddress());
            if (remembered.size() < REMEMBERED_SENDERS) {
                remembered.put(sender, allows);
            }
        }
        return allows;
    }

    private boolean allows(byte[] sender) {
        for (Cidr block : allowed) {
            if (block.contains(sender)) {
                return true;
            }
        }
        return false;
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
