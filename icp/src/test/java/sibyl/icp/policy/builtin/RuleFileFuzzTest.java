package sibyl.icp.policy.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.wire.FuzzDuration;

/**
 * Feeds arbitrary file contents to the rule-file parser, as the HTTP {@code drop} and
 * {@code nocache} rules read them (bare patterns) and as the ICP {@code rules} policy does (an
 * optional verdict first): each must give rules, or a {@link RuleFileException} naming the file
 * and a line of it, never another exception.
 *
 * <p>It only compiles the patterns, never matches them: matching an operator's regular
 * expression can take exponential time ({@code (a+)+$}), a property of java.util.regex that
 * the parser does not try to prevent.
 *
 * <p>Jazzer's regex-injection sanitizer, which would report every invalid pattern, is off for
 * this module (icp/pom.xml): reporting those is the parser's job.
 *
 * <p>Regression mode runs the empty input and
 * {@code src/test/resources/sibyl/icp/policy/builtin/RuleFileFuzzTestInputs/parserGivesRulesOrNamesTheLine/};
 * {@code JAZZER_FUZZ} makes it fuzz for {@code sibyl.fuzz.seconds} seconds.
 */
class RuleFileFuzzTest {
    private static final Path FILE = Path.of("/etc/sibyl/fuzzed.rules");
    private static final Set<String> VERDICTS =
            Arrays.stream(IcpVerdict.values()).map(Enum::name).collect(Collectors.toUnmodifiableSet());
    private static final Pattern LINE_ERROR = Pattern.compile(Pattern.quote(FILE.toString()) + ":([0-9]+): .+", Pattern.DOTALL);

    @BeforeAll
    static void boundFuzzingTime() {
        FuzzDuration.boundBySibylFuzzSeconds();
    }

    @FuzzTest(maxDuration = "20s")
    void parserGivesRulesOrNamesTheLine(byte[] content) {
        int lines = lineCount(content);
        check(content, Set.of(), lines);
        check(content, VERDICTS, lines);
    }

    private static void check(byte[] content, Set<String> actions, int lines) {
        List<Rule> rules;
        try {
            rules = RuleFile.parse(FILE, content, actions);
        } catch (RuleFileException e) {
            Matcher matcher = LINE_ERROR.matcher(e.getMessage());
            assertTrue(matcher.matches(), () -> "an error that names no line: " + e.getMessage());
            int line = Integer.parseInt(matcher.group(1));
            assertTrue(line >= 1 && line <= Math.max(1, lines), () -> "line " + line + " of " + lines + ": " + e.getMessage());
            return;
        }
        int previous = 0;
        for (Rule rule : rules) {
            assertTrue(rule.line() > previous && rule.line() <= lines, () -> rule + " of " + lines + " lines");
            previous = rule.line();
            assertNotNull(rule.pattern());
            if (actions.isEmpty()) {
                assertEquals(null, rule.action());
            } else if (rule.action() != null) {
                assertTrue(actions.contains(rule.action()), rule::toString);
            }
            assertTrue(rule.pattern().pattern().codePoints().noneMatch(Character::isWhitespace), rule::toString);
        }
    }

    /** Lines as the parser counts them: ended by \n, \r or \r\n, a last unended one included. */
    private static int lineCount(byte[] content) {
        return (int) new String(content, StandardCharsets.ISO_8859_1).lines().count();
    }
}
