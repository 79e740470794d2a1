package sibyl.node.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import sibyl.icp.policy.builtin.Rule;
import sibyl.icp.policy.builtin.RuleFile;
import sibyl.icp.policy.builtin.RuleFileException;
import sibyl.icp.policy.builtin.RuleFileWatcher;

/**
 * htcache's {@code drop} or {@code nocache} rules: a rule file in the format of the ICP
 * {@code rules} policy ({@link RuleFile}), re-read when it changes. Lookups read the rules in
 * force without a lock.
 */
public final class UrlRules implements AutoCloseable {
    /** No rules: nothing matches. */
    public static final UrlRules NONE = new UrlRules(null);

    private final Path file;
    private volatile List<Rule> rules = List.of();
    private RuleFileWatcher watcher;

    private UrlRules(Path file) {
        this.file = file;
    }

    /**
     * The rules of {@code file}, if there is one, watched for changes.
     *
     * @param owner the setting that names the file, for log lines ("http.drop-rules")
     * @throws RuleFileException if the file cannot be read or parsed now
     */
    public static UrlRules watch(String owner, Optional<Path> file, ScheduledExecutorService executor, Duration interval)
            throws RuleFileException {
        if (file.isEmpty()) {
            return NONE;
        }
        UrlRules rules = new UrlRules(file.get());
        rules.watcher = RuleFileWatcher.watch(owner, file.get(), Set.of(), loaded -> rules.rules = List.copyOf(loaded),
                executor, interval);
        return rules;
    }

    /** The first rule whose pattern occurs in {@code url}, or null. */
    Rule firstMatch(String url) {
        for (Rule rule : rules) {
            if (rule.matches(url)) {
                return rule;
            }
        }
        return null;
    }

    /** The file the rules come from, for log lines. */
    Path file() {
        return file;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }
}
