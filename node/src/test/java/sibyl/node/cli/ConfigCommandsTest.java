package sibyl.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sibyl config check} and {@code sibyl config show} on real files, as an operator runs them. */
class ConfigCommandsTest {
    @TempDir
    Path directory;

    private Path write(String name, String text) throws Exception {
        Path file = directory.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aFileANodeWouldStartWithChecksOk() throws Exception {
        Path file = write("good.conf", "icp.threads = 2\nhttp.threads = 2\n");

        CommandRun run = CommandRun.of("config", "check", file.toString());

        assertEquals(0, run.status(), run.err());
        assertEquals(file + ": ok\n", run.out());
    }

    @Test
    void everyBadSettingIsReportedWithItsKeyFileAndLineAndTheExitStatusIsOne() throws Exception {
        Path file = write("bad.conf", "icp.threads = -1\nhttp.max-pipelined = many\nhttp.colour = blue\n");

        CommandRun run = CommandRun.of("config", "check", file.toString());

        assertEquals(1, run.status());
        List<String> lines = run.err().lines().toList();
        assertEquals(4, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("sibyl: http.colour: unknown setting (" + file + ": 3)"), lines.get(0));
        assertTrue(lines.get(1).startsWith("sibyl: icp.threads = -1 (" + file + ": 1): "), lines.get(1));
        assertTrue(lines.get(2).startsWith("sibyl: http.max-pipelined = \"many\" (" + file + ": 2): "), lines.get(2));
        assertEquals("sibyl: " + file + ": 3 errors", lines.get(3));
    }

    @Test
    void policiesAndRuleFilesAreCheckedAsTheNodeWouldMakeThem() throws Exception {
        Path rules = write("drop.rules", "/ads/\n(unclosed\n");
        Path file = write("policies.conf", """
                icp.policies { 50-nosuch { type = no-such-type } }
                http.drop-rules = "%s"
                """.formatted(rules));

        CommandRun run = CommandRun.of("config", "check", file.toString());

        assertEquals(1, run.status());
        assertTrue(run.err().contains("icp.policies.50-nosuch"), run.err());
        assertTrue(run.err().contains("http.drop-rules"), run.err());
        assertTrue(run.err().contains(rules + ":2: "), run.err());
        assertTrue(run.err().endsWith(file + ": 2 errors\n"), run.err());
    }

    @Test
    void showPrintsEverySettingInEffectWithWhereItCameFrom() throws Exception {
        Path file = write("show.conf", "icp.threads = 2\n");

        CommandRun run = CommandRun.of("config", "show", file.toString());

        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("icp.threads = 2  # " + file + ": 1\n"), run.out());
        assertTrue(run.out().contains("cache.memory = \"256m\"  # default\n"), run.out());
        assertTrue(run.out().contains("cache.slice-size = \"1m\"  # default\n"), run.out());
    }

    @Test
    void showRefusesSettingsThatDoNotLoad() throws Exception {
        Path file = write("broken.conf", "icp.threads = -1\n");

        CommandRun run = CommandRun.of("config", "show", file.toString());

        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("sibyl: icp.threads = -1 (" + file + ": 1)"), run.err());
    }
}
