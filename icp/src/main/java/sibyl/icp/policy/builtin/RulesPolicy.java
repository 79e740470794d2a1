package sibyl.icp.policy.builtin;

import java.util.List;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpQuery;
import sibyl.icp.policy.IcpVerdict;

/**
 * Answers the verdict of the first rule whose pattern occurs in the URL, and has no opinion on
 * URLs no rule matches. The rules come from a {@link RuleFile} whose lines may start with a
 * verdict ({@code HIT}, {@code MISS}, {@code MISS_NOFETCH}, {@code DENIED}); bare lines take the
 * policy's default verdict. The file is reloaded when it changes.
 *
 * <p>Settings: {@code file} (the rule file), {@code verdict} (for bare lines, default
 * {@code MISS_NOFETCH}), {@code reload-interval} (how often the file is checked, default 1s).
 */
public final class RulesPolicy implements IcpPolicy {
    private final IcpVerdict defaultVerdict;
    private volatile CompiledRule[] rules = new CompiledRule[0];
    private volatile AutoCloseable watcher;

    public RulesPolicy(IcpVerdict defaultVerdict) {
        this.defaultVerdict = defaultVerdict;
    }

    /** Replaces the rules in force; safe to call while queries are decided. */
    public void setRules(List<Rule> newRules) {
        CompiledRule[] compiled = new CompiledRule[newRules.size()];
        for (int i = 0; i < compiled.length; i++) {
            Rule rule = newRules.get(i);
            compiled[i] = new CompiledRule(rule, rule.action() == null ? defaultVerdict : IcpVerdict.parse(rule.action()));
        }
        rules = compiled;
    }

    void watchedBy(AutoCloseable watcher) {
        this.watcher = watcher;
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        String url = query.url();
        for (CompiledRule rule : rules) {
            if (rule.rule.matches(url)) {
                return rule.verdict;
            }
        }
        return null;
    }

    @Override
    public void close() {
        AutoCloseable current = watcher;
        if (current != null) {
            try {
                current.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private record CompiledRule(Rule rule, IcpVerdict verdict) {}
}
