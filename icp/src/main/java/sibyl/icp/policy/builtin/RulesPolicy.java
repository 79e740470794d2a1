package sibyl.icp.policy.builtin;

import java.util.List;
import java.util.regex.Matcher;
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
    private volatile Rules rules = new Rules(List.of(), new IcpVerdict[0]);
    /**
     * Each ICP thread's matchers for the rules in force, remade when the rules change. One
     * thread-local for the policy's life: one per version of the file would leave a dead entry
     * in every thread's map at each reload until the collector found it.
     */
    private final ThreadLocal<ThreadMatchers> matchers = ThreadLocal.withInitial(ThreadMatchers::new);
    private volatile AutoCloseable watcher;

    public RulesPolicy(IcpVerdict defaultVerdict) {
        this.defaultVerdict = defaultVerdict;
    }

    /** Replaces the rules in force; safe to call while queries are decided. */
    public void setRules(List<Rule> newRules) {
        IcpVerdict[] verdicts = new IcpVerdict[newRules.size()];
        for (int i = 0; i < verdicts.length; i++) {
            String action = newRules.get(i).action();
            verdicts[i] = action == null ? defaultVerdict : IcpVerdict.parse(action);
        }
        rules = new Rules(List.copyOf(newRules), verdicts);
    }

    void watchedBy(AutoCloseable watcher) {
        this.watcher = watcher;
    }

    @Override
    public IcpVerdict decide(IcpQuery query) {
        Rules current = rules;
        ThreadMatchers mine = this.matchers.get();
        if (mine.rules != current) {
            mine.rules = current;
            mine.matchers = current.newMatchers();
        }
        Matcher[] matchers = mine.matchers;
        String url = query.url();
        for (int i = 0; i < matchers.length; i++) {
            if (matchers[i].reset(url).find()) {
                return current.verdicts()[i];
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

    /** One version of the rule file. */
    private record Rules(List<Rule> rules, IcpVerdict[] verdicts) {
        /** Matchers for one thread, reset for each URL, so that matching allocates nothing per query. */
        Matcher[] newMatchers() {
            return rules.stream().map(rule -> rule.pattern().matcher("")).toArray(Matcher[]::new);
        }
    }

    /** A thread's matchers and the version of the rules they were made for. */
    private static final class ThreadMatchers {
        Rules rules;
        Matcher[] matchers;
    }
}
