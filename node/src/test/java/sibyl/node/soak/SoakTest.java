package sibyl.node.soak;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.node.cli.Main;

/**
 * bench/soak.sh at CI's scale, about two minutes: a node process as a hostile operator runs it
 * (forward proxy on the defaults, -Xmx256m, 512 MiB of direct memory, C1 only) with a 16 MiB
 * cache, under the soak's mix over a working set ten times that for 100 s. Every request is
 * answered or closed, no answer is wrong, and live heap, direct memory, RSS, descriptors and
 * pipes are flat after warm-up, with margins 2.5 times the bench's (a 2-core machine shared with
 * other builds). The figures and plot are left in target/soak-test.csv and .svg.
 */
class SoakTest {
    private static final Pattern SERVING = Pattern.compile(
            "serving HTTP on \\[/127\\.0\\.0\\.1:(\\d+)], answering ICP on \\[/127\\.0\\.0\\.1:(\\d+)]");
    private static final long CACHE_MEMORY = 16 << 20;

    @TempDir
    Path directory;

    @Test
    void aNodeUnderTheSoakMixStaysFlatAndAnswersEveryRequest() throws Exception {
        Path config = directory.resolve("soak.conf");
        Files.writeString(config, "node.name = soak-test\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\nicp.listen = [\"127.0.0.1:0\"]\n"
                + "http.access-log = \"" + directory.resolve("access.log") + "\"\ncache.memory = 16m\n");
        Path log = directory.resolve("node.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:MaxDirectMemorySize=512m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node", "--config", config.toString()));
        Process node = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Matcher serving = await("the node serving").atMost(Duration.ofSeconds(90)).until(() -> {
                if (!node.isAlive()) {
                    throw new AssertionError("the node exited: " + Files.readString(log));
                }
                return SERVING.matcher(Files.readString(log));
            }, Matcher::find);
            InetSocketAddress http = new InetSocketAddress("127.0.0.1", Integer.parseInt(serving.group(1)));
            InetSocketAddress icp = new InetSocketAddress("127.0.0.1", Integer.parseInt(serving.group(2)));
            Path target = Path.of(System.getProperty("user.dir"), "target");
            ByteArrayOutputStream report = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(report, true, StandardCharsets.UTF_8);

            Soak.Result result = Soak.run(new Soak.Config(node.pid(), http, icp, CACHE_MEMORY, Duration.ofSeconds(100),
                    100, 30, 6, 0.01, 0.01, Duration.ofSeconds(10), Soak.bounds(2.5), target.resolve("soak-test.csv"),
                    target.resolve("soak-test.svg"), "SoakTest: 100 s, 100 req/s, cache.memory 16m", 13), out);

            String text = report.toString(StandardCharsets.UTF_8);
            System.out.print(text);
            SoakLoad.Tally tally = result.tally();
            assertTrue(node.isAlive(), "the node is still up\n" + text);
            assertTrue(tally.requests() > 5_000, "the load ran\n" + text);
            assertEquals(0, tally.unanswered(), "every request answered or closed by the node\n" + text);
            assertEquals(0, tally.wrong(), "no answer wrong\n" + text);
            assertTrue(tally.serverErrors() * 200 <= tally.requests(), "at most 0.5% of 5xx\n" + text);
            assertTrue(tally.icpAnswered() * 100 >= tally.icpQueries() * 99, "ICP queries answered\n" + text);
            assertTrue(result.flat(), "every series flat after warm-up\n" + text);
            assertTrue(!Files.readString(log).contains("OutOfMemoryError"), "no OutOfMemoryError in the node's log");
        } finally {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }
}
