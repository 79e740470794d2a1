package sibyl.node.cluster;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.MemberInfo;
import sibyl.node.http.Peers;

/** {@link Peers} from the cluster's ownership: the members' HTTP addresses, as they published them. */
public final class PeerOwners implements Peers {
    private final Supplier<ClusterMember> member;

    /** @param member the node's membership, null until it has joined */
    public PeerOwners(Supplier<ClusterMember> member) {
        this.member = member;
    }

    @Override
    public InetSocketAddress ownerOf(String key, List<String> via) {
        ClusterMember current = member.get();
        if (current == null) {
            return null;
        }
        List<MemberInfo> members = current.members();
        Set<UUID> cameThrough = new HashSet<>(2);
        for (MemberInfo info : members) {
            for (String name : via) {
                if (name.equalsIgnoreCase(info.name())) {
                    cameThrough.add(info.id());
                }
            }
        }
        UUID target = current.ownership().route(key, cameThrough);
        if (target == null) {
            return null;
        }
        for (MemberInfo info : members) {
            if (info.id().equals(target)) {
                return httpAddress(info.http());
            }
        }
        return null;
    }

    @Override
    public void invalidated(List<String> keys) {
        ClusterMember current = member.get();
        if (current != null) {
            current.invalidations().publish(keys);
        }
    }

    @Override
    public InetSocketAddress member(String name) {
        ClusterMember current = member.get();
        if (current == null || name == null) {
            return null;
        }
        for (MemberInfo info : current.members()) {
            if (name.equalsIgnoreCase(info.name()) && !info.id().equals(current.id())) {
                return httpAddress(info.http());
            }
        }
        return null;
    }

    static InetSocketAddress httpAddress(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        try {
            return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
