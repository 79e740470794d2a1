package sibyl.node.cluster;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;
import sibyl.cluster.ClusterMember;
import sibyl.cluster.MemberInfo;
import sibyl.cluster.Ownership;
import sibyl.node.http.Peers;

/** {@link Peers} from the cluster's ownership: the owner's HTTP address, as it published it. */
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
        Ownership.Owner owner = current.ownership().ownerOf(key);
        if (owner.member() == null || owner.local()) {
            return null;
        }
        InetSocketAddress address = null;
        for (MemberInfo info : current.members()) {
            if (via.stream().anyMatch(name -> name.equalsIgnoreCase(info.name()))) {
                return null; // came from a member: fetch from the origin, never another hop
            }
            if (info.id().equals(owner.member())) {
                address = httpAddress(info.http());
            }
        }
        return address;
    }

    private static InetSocketAddress httpAddress(String hostPort) {
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
