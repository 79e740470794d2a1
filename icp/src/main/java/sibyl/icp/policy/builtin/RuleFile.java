package sibyl.icp.policy.builtin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rule-file format shared by the ICP {@code rules} policy and the HTTP {@code drop} and
 * {@code nocache} rules, after htcache's {@code rules.drop} and {@code rules.nocache}.
 *
 * <pre>
 * # Lines starting with # are comments; blank lines are skipped.
 * # A line is a Java regular expression searched for in the URL:
 * \.iso$
 * ^http://static\.example\.com/
 * # Where the reader allows actions, a line may start with one, then whitespace:
 * HIT ^http://hot\.example\.com/
 * </pre>
 *
 * <p>URLs never contain whitespace, so whitespace in a line can only separate an action from its
 * pattern; write {@code \s} if you really mean one. A file that does not parse is rejected whole,
 * with its path and line number.
 */
public final class RuleFile {

    private RuleFile() {}

    /**
     * Reads the rules of {@code file}.
     *
     * @param actions the action words a line may start with (upper case); empty if lines are
     *     bare patterns
     * @throws RuleFileException naming the file and line of the first problem
     */
    public static List<Rule> read(Path file, Set<String> actions) throws RuleFileException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RuleFileException(file + ": cannot read: " + e);
        }
        return parse(file, content, actions);
    }

    /**
     * The rules in {@code content}, the bytes of {@code file}: split into lines as
     * {@link Files#readAllLines} splits them ({@code \n}, {@code \r} or {@code \r\n}).
     *
     * @throws RuleFileException naming the file and line of the first problem
     */
    static List<Rule> parse(Path file, byte[] content, Set<String> actions) throws RuleFileException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new RuleFileException(file + ":" + lineOfFirstBadByte(content) + ": not UTF-8 text");
        }
        List<Rule> rules = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            rules.add(parse(file, i + 1, line, actions));
        }
        return List.copyOf(rules);
    }

    /** The number of the line holding the first byte that is not part of valid UTF-8. */
    private static int lineOfFirstBadByte(byte[] content) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(content.length + 1);
        decoder.decode(in, out, true); // stops at the bad byte, in.position() there
        int line = 1;
        for (int i = 0; i < in.position(); i++) {
            if (content[i] == '\n' || content[i] == '\r' && (i + 1 >= content.length || content[i + 1] != '\n')) {
                line++;
            }
        }
        return line;
    }

    private static Rule parse(Path file, int number, String line, Set<String> actions) throws RuleFileException {
        String action = null;
        String expression = line;
        int space = indexOfWhitespace(line);
        if (space >= 0) {
            String word = line.substring(0, space).toUpperCase(Locale.ROOT);
            if (actions.isEmpty()) {
                throw new RuleFileException(file + ":" + number
                        + ": whitespace in a pattern (URLs contain none; write \\s if you mean it)");
            }
            if (!actions.contains(word)) {
                throw new RuleFileException(file + ":" + number + ": '" + line.substring(0, space)
                        + "' is not one of " + String.join(", ", actions.stream().sorted().toList()));
            }
            action = word;
            expression = line.substring(space).strip();
            if (indexOfWhitespace(expression) >= 0) {
                throw new RuleFileException(file + ":" + number
                        + ": whitespace in a pattern (URLs contain none; write \\s if you mean it)");
            }
        }
        try {
            return new Rule(number, action, Pattern.compile(expression));
        } catch (PatternSyntaxException e) {
            throw new RuleFileException(file + ":" + number + ": invalid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex() + " in " + expression);
        }
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
