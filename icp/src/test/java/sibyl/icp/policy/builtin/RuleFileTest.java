package sibyl.icp.policy.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleFileTest {
    private static final Set<String> NO_ACTIONS = Set.of();
    private static final Set<String> VERDICTS = Set.of("HIT", "MISS", "MISS_NOFETCH", "DENIED");

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        return Files.write(dir.resolve("rules"), List.of(lines));
    }

    @Test
    void commentsAndBlankLinesAreSkippedAndLineNumbersKept() throws Exception {
        Path file = file("# drop ISO images", "", "   ", "\\.iso$", "  # indented comment", "^http://static\\.example\\.com/");

        List<Rule> rules = RuleFile.read(file, NO_ACTIONS);

        assertEquals(2, rules.size());
        assertEquals(4, rules.get(0).line());
        assertEquals("\\.iso$", rules.get(0).pattern().pattern());
        assertEquals(6, rules.get(1).line());
    }

    @Test
    void barePatternsHaveNoAction() throws Exception {
        List<Rule> rules = RuleFile.read(file("\\.iso$"), VERDICTS);

        assertNull(rules.get(0).action());
    }

    @Test
    void patternsAreSearchedForAnywhereInTheUrl() throws Exception {
        List<Rule> rules = RuleFile.read(file("\\.iso$", "^http://static\\."), NO_ACTIONS);

        assertTrue(rules.get(0).matches("http://example.com/debian.iso"));
        assertFalse(rules.get(0).matches("http://example.com/debian.iso?x"));
        assertTrue(rules.get(1).matches("http://static.example.com/a"));
        assertFalse(rules.get(1).matches("http://example.com/?u=http://static.x"));
    }

    @Test
    void actionWordsAreReadWhenAllowedInAnyCase() throws Exception {
        List<Rule> rules = RuleFile.read(file("HIT ^http://hot\\.", "miss_nofetch\t\\.iso$", "Denied   /admin/"), VERDICTS);

        assertEquals(List.of("HIT", "MISS_NOFETCH", "DENIED"), rules.stream().map(Rule::action).toList());
        assertEquals(List.of("^http://hot\\.", "\\.iso$", "/admin/"), rules.stream().map(rule -> rule.pattern().pattern()).toList());
    }

    @Test
    void whitespaceIsRejectedWhenNoActionsAreAllowed() throws Exception {
        Path file = file("# ok", "HIT ^http://hot\\.");

        RuleFileException e = assertThrows(RuleFileException.class, () -> RuleFile.read(file, NO_ACTIONS));

        assertTrue(e.getMessage().startsWith(file + ":2: whitespace"), e.getMessage());
    }

    @Test
    void whitespaceInsideThePatternAfterAnActionIsRejected() throws Exception {
        Path file = file("HIT a b");

        RuleFileException e = assertThrows(RuleFileException.class, () -> RuleFile.read(file, VERDICTS));

        assertTrue(e.getMessage().startsWith(file + ":1: whitespace"), e.getMessage());
    }

    @Test
    void unknownActionIsRejectedListingTheKnownOnes() throws Exception {
        Path file = file("\\.iso$", "SOMETIMES \\.iso$");

        RuleFileException e = assertThrows(RuleFileException.class, () -> RuleFile.read(file, VERDICTS));

        assertEquals(file + ":2: 'SOMETIMES' is not one of DENIED, HIT, MISS, MISS_NOFETCH", e.getMessage());
    }

    @Test
    void badRegularExpressionNamesFileAndLine() throws Exception {
        Path file = file("# comment", "ok", "a(b");

        RuleFileException e = assertThrows(RuleFileException.class, () -> RuleFile.read(file, NO_ACTIONS));

        assertTrue(e.getMessage().startsWith(file + ":3: invalid regular expression"), e.getMessage());
        assertTrue(e.getMessage().endsWith("in a(b"), e.getMessage());
    }

    @Test
    void missingFileCannotBeRead() {
        Path missing = dir.resolve("missing");

        RuleFileException e = assertThrows(RuleFileException.class, () -> RuleFile.read(missing, NO_ACTIONS));

        assertTrue(e.getMessage().startsWith(missing + ": cannot read"), e.getMessage());
    }

    @Test
    void fileThatIsNotUtf8IsRejectedNamingTheLine() throws Exception {
        Path file = Files.write(dir.resolve("latin1"), new byte[] {'a', '\r', '\n', 'b', '\r', 'c', (byte) 0xe9, '\n'});

        RuleFileException e = assertThrows(RuleFileException.class, () -> RuleFile.read(file, NO_ACTIONS));

        assertEquals(file + ":3: not UTF-8 text", e.getMessage());
    }

    @Test
    void emptyFileHasNoRules() throws Exception {
        assertEquals(List.of(), RuleFile.read(file(), VERDICTS));
    }

    @Test
    void ruleSaysWhereItCameFrom() throws Exception {
        List<Rule> rules = RuleFile.read(file("", "hit foo"), VERDICTS);

        assertEquals("HIT foo (line 2)", rules.get(0).toString());
    }
}
