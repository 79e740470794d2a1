package sibyl.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Membership in a Sibyl cluster; see {@code reference.conf} ({@code cluster}).
 *
 * @param enabled whether the node joins a cluster at all
 * @param name the cluster's name: members only join a cluster of the same name
 * @param listen the address this member binds and gives the others (Hazelcast's TCP port)
 * @param members the other members' addresses, for TCP-IP join (may include this one)
 * @param multicast whether members also find each other by multicast
 * @param mode what the node promises over ICP for the URLs it owns
 * @param drainTimeout how long a stopping node waits for its responses in flight
 */
public record ClusterSettings(boolean enabled, String name, InetSocketAddress listen, List<InetSocketAddress> members,
        boolean multicast, Mode mode, Duration drainTimeout) {

    /** How a node that owns a URL answers ICP for it. */
    public enum Mode {
        /** HIT: Squid fetches through the owner, which fills itself (Squid's parents). */
        PARENT,
        /** HIT only when the owner holds the URL (Squid's siblings may not fetch through it). */
        SIBLING
    }

    public ClusterSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        members = List.copyOf(members);
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
    }
}
