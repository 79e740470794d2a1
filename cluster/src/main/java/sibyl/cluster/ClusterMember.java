package sibyl.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import sibyl.config.ClusterSettings;

/**
 * This node's membership of its cluster: an embedded Hazelcast member (open-source edition, no
 * CP subsystem) that joins the configured members over TCP, optionally by multicast too, and
 * carries the node's name and HTTP address for the others to read. Its {@link Ownership} is
 * the cluster's record of who owns which URL.
 */
public final class ClusterMember implements AutoCloseable {
    /** The replicated map of claims: URL → the member that stored it. */
    static final String CLAIMS = "sibyl-claims";
    static final String NAME_ATTRIBUTE = "sibyl.name";
    static final String HTTP_ATTRIBUTE = "sibyl.http";

    private final HazelcastInstance hazelcast;
    private final Ownership ownership;

    private ClusterMember(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.ownership = new Ownership(hazelcast);
    }

    /**
     * Starts the member and joins the cluster (alone, if no other member answers); returns once
     * it is a member.
     *
     * @param nodeName the node's name, shown in cluster status
     * @param http the node's HTTP address, where other members fetch the URLs it owns
     */
    public static ClusterMember join(ClusterSettings settings, String nodeName, InetSocketAddress http) {
        return new ClusterMember(Hazelcast.newHazelcastInstance(config(settings, nodeName, http)));
    }

    static Config config(ClusterSettings settings, String nodeName, InetSocketAddress http) {
        Config config = new Config();
        config.setClusterName(settings.name());
        config.setInstanceName("sibyl-" + nodeName + "-" + settings.listen().getPort());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // The node stops its member itself, after draining: not the JVM's shutdown hook first.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        String host = settings.listen().getAddress().getHostAddress();
        boolean wildcard = settings.listen().getAddress().isAnyLocalAddress();
        config.setProperty("hazelcast.socket.bind.any", String.valueOf(wildcard));
        config.getMemberAttributeConfig()
                .setAttribute(NAME_ATTRIBUTE, nodeName)
                .setAttribute(HTTP_ATTRIBUTE, http.getAddress().getHostAddress() + ":" + http.getPort());

        NetworkConfig network = config.getNetworkConfig();
        network.setPort(settings.listen().getPort()).setPortAutoIncrement(false);
        if (!wildcard) {
            // This address exactly, even one no interface lists (127.0.0.11 on loopback):
            // interface matching would refuse it.
            config.setProperty("hazelcast.local.localAddress", host);
            network.setPublicAddress(host + ":" + settings.listen().getPort());
        }
        JoinConfig join = network.getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(settings.multicast());
        List<String> members = new ArrayList<>();
        for (InetSocketAddress member : settings.members()) {
            members.add(member.getHostString() + ":" + member.getPort()); // names resolved by Hazelcast, when it joins
        }
        join.getTcpIpConfig().setEnabled(!settings.multicast() || !members.isEmpty()).setMembers(members);

        // After a split brain heals, each URL keeps the claim written last: the node that stored
        // it last holds the freshest copy; the other copy is served until it is evicted or stale.
        config.getReplicatedMapConfig(CLAIMS)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setAsyncFillup(false)
                .setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), 1000));
        return config;
    }

    /** The cluster's record of who owns which URL. */
    public Ownership ownership() {
        return ownership;
    }

    /** This member's id. */
    public UUID id() {
        return hazelcast.getCluster().getLocalMember().getUuid();
    }

    /** The live members, oldest first, this one included. */
    public List<MemberInfo> members() {
        List<MemberInfo> members = new ArrayList<>();
        for (Member member : hazelcast.getCluster().getMembers()) {
            members.add(MemberInfo.of(member));
        }
        return members;
    }

    /** This member's view of the cluster. */
    public ClusterStatus status(boolean draining) {
        Map<UUID, Long> claims = ownership.claimsPerMember();
        List<ClusterStatus.Member> members = new ArrayList<>();
        long ofLive = 0;
        for (MemberInfo member : members()) {
            long count = claims.getOrDefault(member.id(), 0L);
            ofLive += count;
            members.add(new ClusterStatus.Member(member, count));
        }
        long all = claims.values().stream().mapToLong(Long::longValue).sum();
        return new ClusterStatus(hazelcast.getConfig().getClusterName(), id(), draining, members, all - ofLive);
    }

    /** Leaves the cluster gracefully: Hazelcast hands this member's partitions to the others first. */
    @Override
    public void close() {
        ownership.close();
        hazelcast.shutdown();
    }

    /** Stops the member at once, as a crash would; for tests. */
    void crash() {
        ownership.close();
        hazelcast.getLifecycleService().terminate();
    }
}
