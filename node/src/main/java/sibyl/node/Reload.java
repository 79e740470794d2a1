package sibyl.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.config.NodeSettings;
import sibyl.config.PolicySettings;
import sibyl.config.SettingsException;
import sibyl.config.SettingsLoader;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.plugins.PluginException;
import sibyl.node.admin.NodeControl.ReloadOutcome;
import sibyl.node.http.UrlRules;

/**
 * Reads a running node's configuration again and applies it whole, or refuses it whole, as
 * {@code nginx -s reload} and {@code squid -k reconfigure} do, without dropping a connection or
 * a query: a query sees the old policy chain or the new one, a connection keeps the bounds and
 * rules it was made with.
 *
 * <p>What a reload changes: the ICP policies and their order (a policy whose settings did not
 * change is kept, with its state: a warm-up's clock, a rule file's watcher), the HTTP access
 * lists, accelerator map, rule files and client bounds, the admin listener's access list, and
 * the log levels. Anything else (addresses, threads, memory, the store, the cluster, origins,
 * the access log's path) needs a restart: a reload that changes it is refused, naming it.
 */
final class Reload {
    private static final Logger log = LoggerFactory.getLogger(Reload.class);
    /** Settings a reload applies; every other one needs a restart. */
    private static final Set<String> RELOADABLE = Set.of("http.allow", "http.purge-allow", "http.drop-rules",
            "http.nocache-rules", "http.rules-reload-interval", "http.max-connections", "http.max-connections-per-client",
            "http.max-pipelined", "http.max-request-line", "http.max-header-size", "http.max-request-body",
            "http.header-timeout", "http.min-body-rate", "http.idle-timeout", "admin.allow");
    /** Maps and sections whose every key a reload applies. */
    private static final List<String> RELOADABLE_UNDER = List.of("icp.policies.", "http.accelerate.", "node.log-levels.");

    private final NodeResources node;
    /** The settings in force, by key, as {@code sibyl config show} renders them. */
    private Map<String, String> effective;

    Reload(NodeResources node) {
        this.node = node;
        this.effective = node.source == null ? Map.of()
                : byKey(SettingsLoader.effective(node.source.file(), node.source.environment()));
    }

    /** Reads the configuration again and applies it, or refuses it with every reason. */
    synchronized ReloadOutcome run() {
        NodeResources.Source source = node.source;
        if (node.icp == null) {
            // The admin listener answers from the start; the parts a reload changes are not all made yet.
            return refused(List.of(), List.of("the node is still starting (" + node.unready + "); reload once it is ready"));
        }
        if (source == null) {
            return refused(List.of(), List.of("this node was started with settings made in code, not read from a file:"
                    + " there is nothing to read again"));
        }
        List<SettingsException> errors = SettingsLoader.check(source.file(), source.environment());
        if (!errors.isEmpty()) {
            return refused(List.of(), errors.stream().map(SettingsException::getMessage).toList());
        }
        NodeSettings next;
        Map<String, String> nextEffective;
        try {
            SettingsLoader.Loaded loaded = SettingsLoader.loadWithOrigins(source.file(), source.environment());
            next = loaded.settings();
            nextEffective = byKey(loaded.effective());
        } catch (SettingsException e) {
            return refused(List.of(), List.of(e.getMessage())); // the file changed again meanwhile
        }
        List<String> changed = changedKeys(effective, nextEffective);
        List<String> needRestart = changed.stream().filter(key -> !reloadable(key)).toList();
        if (!needRestart.isEmpty()) {
            return refused(changed, needRestart.stream().map(key -> key + ": changed, and needs a restart to take effect"
                    + " (nothing was applied; restore it, or restart the node)").toList());
        }
        if (changed.isEmpty()) {
            return new ReloadOutcome(true, List.of(), List.of());
        }
        Map<String, IcpPolicy> policies;
        UrlRules drop = null;
        UrlRules nocache = null;
        List<String> problems = new ArrayList<>();
        Map<String, IcpPolicy> made = new HashMap<>();
        try {
            policies = policies(next, made, problems);
            drop = rules("http.drop-rules", next, node.settings.http().dropRules(), node.drop, problems);
            nocache = rules("http.nocache-rules", next, node.settings.http().nocacheRules(), node.nocache, problems);
        } catch (RuntimeException e) {
            problems.add(e.toString());
            policies = null;
        }
        if (!problems.isEmpty()) {
            made.values().forEach(IcpPolicy::close);
            closeIfNew(drop, node.drop);
            closeIfNew(nocache, node.nocache);
            return refused(changed, problems);
        }
        apply(next, policies, drop, nocache);
        effective = nextEffective;
        log.info("node {}: configuration reloaded from {}; changed {}", node.name, source.file(), changed);
        return new ReloadOutcome(true, changed, List.of());
    }

    private void apply(NodeSettings next, Map<String, IcpPolicy> policies, UrlRules drop, UrlRules nocache) {
        node.chain.replaceAll(policies);
        UrlRules oldDrop = node.drop;
        UrlRules oldNocache = node.nocache;
        node.drop = drop;
        node.nocache = nocache;
        node.http.reconfigure(next.http(), drop, nocache);
        closeIfNew(oldDrop, drop); // connections made before keep matching with them; only the watching stops
        closeIfNew(oldNocache, nocache);
        if (node.admin != null) {
            node.admin.allow(next.admin().allow());
        }
        node.logLevels.apply(next.logLevels());
        node.settings = next;
    }

    /**
     * The chain {@code next} names: each policy whose type and settings are as before is the
     * running one, kept; the others are made ({@code made}, for closing if the reload fails).
     * The owner policy, which the cluster adds, stays.
     */
    private Map<String, IcpPolicy> policies(NodeSettings next, Map<String, IcpPolicy> made, List<String> problems) {
        Map<String, PolicySettings> running = new HashMap<>();
        node.settings.icp().policies().forEach(policy -> running.put(policy.name(), policy));
        Map<String, IcpPolicy> policies = new LinkedHashMap<>();
        for (PolicySettings policy : next.icp().policies()) {
            PolicySettings before = running.get(policy.name());
            IcpPolicy current = node.chain.policy(policy.name()).orElse(null);
            if (current != null && before != null && before.key().equals(policy.key())
                    && before.block().root().equals(policy.block().root())) {
                policies.put(policy.name(), current);
                continue;
            }
            try {
                IcpPolicy fresh = node.types.create(policy.key(), policy.name(), policy.block(), node.housekeeping);
                made.put(policy.name(), fresh);
                policies.put(policy.name(), fresh);
            } catch (PluginException | RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        node.chain.policy(SibylNode.OWNER_POLICY).ifPresent(owner -> policies.put(SibylNode.OWNER_POLICY, owner));
        return policies;
    }

    /** The rules for {@code key} in {@code next}: the running ones if their file and interval are as before. */
    private UrlRules rules(String key, NodeSettings next, java.util.Optional<java.nio.file.Path> before, UrlRules running,
            List<String> problems) {
        java.util.Optional<java.nio.file.Path> file = key.equals("http.drop-rules") ? next.http().dropRules()
                : next.http().nocacheRules();
        if (file.equals(before) && next.http().rulesReloadInterval().equals(node.settings.http().rulesReloadInterval())) {
            return running;
        }
        try {
            return SibylNode.rules(key, next.http(), file, node.housekeeping);
        } catch (SettingsException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private static void closeIfNew(UrlRules rules, UrlRules other) {
        if (rules != null && rules != other) {
            rules.close();
        }
    }

    private ReloadOutcome refused(List<String> changed, List<String> problems) {
        log.warn("node {}: configuration reload refused; the running configuration stays: {}", node.name, problems);
        return new ReloadOutcome(false, changed, problems);
    }

    private static boolean reloadable(String key) {
        return RELOADABLE.contains(key) || RELOADABLE_UNDER.stream().anyMatch(key::startsWith);
    }

    private static List<String> changedKeys(Map<String, String> before, Map<String, String> after) {
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        return keys.stream().filter(key -> !Objects.equals(before.get(key), after.get(key))).toList();
    }

    private static Map<String, String> byKey(List<SettingsLoader.Effective> effective) {
        Map<String, String> settings = new HashMap<>();
        effective.forEach(setting -> settings.put(setting.key(), setting.value()));
        return settings;
    }
}
