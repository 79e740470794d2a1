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
 * @param balanceFactor how far over the members' mean load (URLs and bytes) a member may go
 *     before new URLs of its partitions are placed on the next member (1.02: 2%)
 * @param handover how long a member that has been given a partition sends its misses to the
 *     member that had it, until that member's claims for the URLs it still holds have arrived
 * @param handoff what a draining node hands to the members that take its URLs
 */
public record ClusterSettings(boolean enabled, String name, InetSocketAddress listen, List<InetSocketAddress> members,
        boolean multicast, Mode mode, Duration drainTimeout, double balanceFactor, Duration handover,
        Handoff handoff) {

    /** The reference configuration's balance factor. */
    public static final double DEFAULT_BALANCE_FACTOR = 1.02;
    /** The reference configuration's handover. */
    public static final Duration DEFAULT_HANDOVER = Duration.ofSeconds(5);

    /**
     * What a draining node hands over before it leaves: its most requested URLs, each to the
     * member that will answer for it, up to {@code maxBytes} of responses and for
     * {@code timeout} at most; nothing when either is zero.
     */
    public record Handoff(long maxBytes, Duration timeout) {
        /** The reference configuration's handoff. */
        public static final Handoff DEFAULT = new Handoff(256L << 20, Duration.ofSeconds(10));

        public Handoff {
            Objects.requireNonNull(timeout, "timeout");
            if (maxBytes < 0) {
                throw new IllegalArgumentException("maxBytes < 0");
            }
        }
    }

    /** With the reference configuration's placement and handoff. */
    public ClusterSettings(boolean enabled, String name, InetSocketAddress listen, List<InetSocketAddress> members,
            boolean multicast, Mode mode, Duration drainTimeout) {
        this(enabled, name, listen, members, multicast, mode, drainTimeout, DEFAULT_BALANCE_FACTOR, DEFAULT_HANDOVER,
                Handoff.DEFAULT);
    }

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
        Objects.requireNonNull(handover, "handover");
        Objects.requireNonNull(handoff, "handoff");
        if (!(balanceFactor >= 1.0)) {
            throw new IllegalArgumentException("balanceFactor must be at least 1.0: " + balanceFactor);
        }
    }
}
