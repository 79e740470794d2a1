package sibyl.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import sibyl.config.ClusterSettings;

/**
 * This node's membership of its cluster: an embedded Hazelcast member (open-source edition, no
 * CP subsystem) that joins the configured members over TCP, optionally by multicast too, and
 * carries the node's name and HTTP address for the others to read. Its {@link Ownership} says
 * who answers for which URL.
 */
public final class ClusterMember implements AutoCloseable {
    /** The partitioned map of claims, the exceptions to placement: URL → the member that holds it. */
    static final String CLAIMS = "sibyl-claims";
    /** Where members tell each other their loads. */
    static final String LOADS = "sibyl-loads";
    /** Where a member that lost partitions says it has claimed what it holds of them. */
    static final String HANDOVERS = "sibyl-handovers";
    /** Where a member names the URLs it invalidated, for every member to drop. */
    static final String INVALIDATIONS = "sibyl-invalidations";
    static final String NAME_ATTRIBUTE = "sibyl.name";
    static final String HTTP_ATTRIBUTE = "sibyl.http";

    private final HazelcastInstance hazelcast;
    private final Ownership ownership;
    private final Invalidations invalidations;

    private ClusterMember(HazelcastInstance hazelcast, ClusterSettings settings, Holdings holdings) {
        this.hazelcast = hazelcast;
        this.ownership = new Ownership(hazelcast, hazelcast.getMap(CLAIMS), hazelcast.getTopic(LOADS),
                hazelcast.getTopic(HANDOVERS), holdings, settings.balanceFactor(), settings.handover());
        this.invalidations = new Invalidations(hazelcast.getTopic(INVALIDATIONS),
                hazelcast.getCluster().getLocalMember().getUuid(),
                () -> hazelcast.getCluster().getMembers().size() - 1);
    }

    /**
     * Starts the member and joins the cluster (alone, if no other member answers); returns once
     * it is a member.
     *
     * @param nodeName the node's name, shown in cluster status
     * @param http the node's HTTP address, where other members fetch the URLs it owns
     */
    public static ClusterMember join(ClusterSettings settings, String nodeName, InetSocketAddress http) {
        return join(settings, nodeName, http, Holdings.NONE, false);
    }

    /**
     * Starts the member and joins the cluster.
     *
     * @param holdings what the node holds
     * @param lite join as a lite member: it sees the cluster and its partition table but owns no
     *     partition and answers for no URL until {@link #promote}d (a node warming up)
     */
    public static ClusterMember join(ClusterSettings settings, String nodeName, InetSocketAddress http,
            Holdings holdings, boolean lite) {
        Config config = config(settings, nodeName, http).setLiteMember(lite);
        return new ClusterMember(Hazelcast.newHazelcastInstance(config), settings, holdings);
    }

    /** Makes a lite member a data member: partitions move to it, and it answers for their URLs. */
    public void promote() {
        if (hazelcast.getCluster().getLocalMember().isLiteMember()) {
            hazelcast.getCluster().promoteLocalLiteMember();
        }
    }

    /**
     * Waits until no partition of the cluster is migrating (up to {@code timeout}): a member just
     * promoted has its share then. False if they were still moving.
     */
    public boolean awaitPartitions(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ownership.answer("http://sibyl.invalid/"); // a first partition lookup assigns them, in a new cluster
        while (!hazelcast.getPartitionService().isClusterSafe()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50); // Hazelcast has no call that blocks until the cluster is safe
        }
        return true;
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

        // One backup, written asynchronously: a claim outlives its partition owner's crash, and
        // the holder's write waits for no second member. After a split brain heals, the larger
        // side's claims stay and the smaller side's are added where the URL has none (no
        // per-entry statistics needed, which a last-update policy would cost per claim).
        config.getMapConfig(CLAIMS)
                .setBackupCount(0)
                .setAsyncBackupCount(1)
                .setStatisticsEnabled(false)
                .setMergePolicyConfig(new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), 1000));
        config.getTopicConfig(LOADS).setStatisticsEnabled(false);
        config.getTopicConfig(HANDOVERS).setStatisticsEnabled(false);
        config.getTopicConfig(INVALIDATIONS).setStatisticsEnabled(false);
        return config;
    }

    /** The cluster's record of who owns which URL. */
    public Ownership ownership() {
        return ownership;
    }

    /** URLs invalidated on every member: told and heard. */
    public Invalidations invalidations() {
        return invalidations;
    }

    /** This member's id. */
    public UUID id() {
        return hazelcast.getCluster().getLocalMember().getUuid();
    }

    /** The live members, oldest first, this one included (lite members too). */
    public List<MemberInfo> members() {
        List<MemberInfo> members = new ArrayList<>();
        for (Member member : hazelcast.getCluster().getMembers()) {
            members.add(MemberInfo.of(member));
        }
        return members;
    }

    /** This member's view of the cluster. */
    public ClusterStatus status(boolean draining) {
        Map<UUID, Loads.Load> loads = ownership.loads();
        List<ClusterStatus.Member> members = new ArrayList<>();
        for (MemberInfo member : members()) {
            Loads.Load load = loads.getOrDefault(member.id(), Loads.Load.NONE);
            members.add(new ClusterStatus.Member(member, !loads.containsKey(member.id()), load.draining(),
                    load.objects(), load.bytes(), load.exceptions(), load.claimsKept()));
        }
        Map<String, Long> counters = ownership.counters().asMap();
        counters.putAll(invalidations.counters());
        return new ClusterStatus(hazelcast.getConfig().getClusterName(), id(), draining, members, counters);
    }

    /** Leaves the cluster gracefully: Hazelcast hands this member's partitions to the others first. */
    @Override
    public void close() {
        invalidations.close();
        ownership.close();
        hazelcast.shutdown();
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** The claims map itself (every member's view of all of it); for tests. */
    com.hazelcast.map.IMap<String, long[]> claims() {
        return hazelcast.getMap(CLAIMS);
    }

    /** Stops the member at once, as a crash would; for tests. */
    void crash() {
        ownership.close();
        hazelcast.getLifecycleService().terminate();
    }
}
