package sibyl.node.admin;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What the admin listener asks of the node it serves. Every method may be called from the
 * listener's thread while the node serves: none of them may block an HTTP or ICP event loop.
 */
public interface NodeControl {
    /** Whether the node serves HTTP and ICP, is in its cluster and warm; and if not, why. */
    Readiness readiness();

    /** Every metric, in Prometheus's text exposition format. */
    String scrape();

    /** What the status page shows, as one JSON object. */
    String statusJson();

    /** Re-reads the configuration and applies it whole, or refuses it whole. */
    ReloadOutcome reload();

    /**
     * Objects held by this node whose URL {@code match} finds, at most {@code limit}, in no
     * particular order; and how many there were in all.
     */
    Listing list(Pattern match, int limit);

    /**
     * Removes every object whose URL {@code match} finds from this node and, in a cluster, from
     * every other member (a ban, as Varnish has).
     */
    PurgeOutcome purge(Pattern match);

    /** Ready or not, and why not. */
    record Readiness(boolean ready, String reason) {
        public static final Readiness READY = new Readiness(true, "ready");

        public static Readiness notReady(String reason) {
            return new Readiness(false, reason);
        }
    }

    /**
     * A reload's result.
     *
     * @param applied whether the new configuration is in force
     * @param changed the settings it changed (applied, or that would have been)
     * @param problems why it was refused: each error with its key, file and line, or the settings
     *     that need a restart; empty when applied
     */
    record ReloadOutcome(boolean applied, List<String> changed, List<String> problems) {
        public ReloadOutcome {
            changed = List.copyOf(changed);
            problems = List.copyOf(problems);
        }
    }

    /** One object held: its URL, its body's size and store, freshness left, hits and owner. */
    record CachedObject(String url, long bytes, String store, long freshSeconds, long hits, String owner) {}

    /** Objects found, at most the limit asked, and how many matched in all. */
    record Listing(List<CachedObject> objects, long matched) {
        public Listing {
            objects = List.copyOf(objects);
        }
    }

    /**
     * A purge's result.
     *
     * @param removed objects removed from this node
     * @param members the other cluster members told to do the same (0 outside a cluster)
     */
    record PurgeOutcome(long removed, int members) {}
}
