package sibyl.icp.policy.builtin;

import java.util.regex.Pattern;

/**
 * One line of a rule file: a regular expression, searched for in a URL (anchor it with {@code ^}
 * to match from the start), with the action word the line gave, if any.
 *
 * @param line the line number in its file, for log lines that say which rule matched
 * @param action the word before the pattern, upper-cased, or {@code null} when the line has none
 * @param pattern the compiled expression
 */
public record Rule(int line, String action, Pattern pattern) {

    /** Whether the pattern occurs anywhere in {@code url}. */
    public boolean matches(CharSequence url) {
        return pattern.matcher(url).find();
    }

    @Override
    public String toString() {
        return (action == null ? "" : action + " ") + pattern.pattern() + " (line " + line + ")";
    }
}
