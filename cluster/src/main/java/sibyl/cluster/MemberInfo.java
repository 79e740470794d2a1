package sibyl.cluster;

import com.hazelcast.cluster.Member;
import java.util.UUID;

/**
 * A member as the others see it.
 *
 * @param id Hazelcast's member id: a restarted node is a new member
 * @param name the node's name
 * @param cluster the member's cluster address ("host:port")
 * @param http the node's HTTP address ("host:port"), where URLs it owns are fetched
 */
public record MemberInfo(UUID id, String name, String cluster, String http) {

    static MemberInfo of(Member member) {
        return new MemberInfo(member.getUuid(), member.getAttribute(ClusterMember.NAME_ATTRIBUTE),
                member.getAddress().getHost() + ":" + member.getAddress().getPort(),
                member.getAttribute(ClusterMember.HTTP_ATTRIBUTE));
    }
}
