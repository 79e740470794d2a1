package sibyl.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sibyl.config.SettingsLoader;
import sibyl.node.SibylNode;

/** {@code sibyl icp query} and {@code sibyl icp bench} against a real node over UDP. */
class IcpCommandsTest {
    static SibylNode node;
    static String server;

    @BeforeAll
    static void startNode() throws Exception {
        node = SibylNode.start(SettingsLoader.load(null, java.util.Map.of("SIBYL_ICP_LISTEN", "[\"127.0.0.1:0\"]", "SIBYL_HTTP_LISTEN", "127.0.0.1:0",
                "SIBYL_ADMIN_LISTEN", "127.0.0.1:0")));
        InetSocketAddress address = node.icpAddresses().get(0);
        server = "127.0.0.1:" + address.getPort();
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @Test
    void queryPrintsTheQueryAndReplyTablesAndExitsZero() {
        CommandRun run = CommandRun.of("icp", "query", server, "http://example.com/");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("|  ICP_OP_QUERY |   Version: 2  |     Message Length: 44        |"), run.out());
        assertTrue(run.out().contains("reply ICP_OP_MISS from /127.0.0.1:"), run.out());
        assertTrue(run.out().contains("|  ICP_OP_MISS  |   Version: 2  |     Message Length: 40        |"), run.out());
        assertTrue(run.out().contains("|    Payload: http://example.com/\\x00                           |"), run.out());
    }

    @Test
    void queryAsksInVersionThreeWhenTold() {
        CommandRun run = CommandRun.of("icp", "query", "--icp-version", "3", server, "http://example.com/v3");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("|  ICP_OP_MISS  |   Version: 3  |"), run.out());
    }

    @Test
    void queryExitsOneWhenAQueryIsNotAnswered() throws Exception {
        int silentPort;
        try (DatagramSocket silent = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            silentPort = silent.getLocalPort();
            CommandRun run = CommandRun.of("icp", "query", "--timeout", "200", "127.0.0.1:" + silentPort, "http://example.com/");

            assertEquals(1, run.status());
            assertTrue(run.out().contains("no reply within 200 ms"), run.out());
        }
    }

    @Test
    void queryRejectsABadAddressWithUsageStatus() {
        CommandRun run = CommandRun.of("icp", "query", "localhost", "http://example.com/");

        assertEquals(2, run.status());
        assertTrue(run.err().contains("'localhost' is not HOST:PORT or [IPv6]:PORT"), run.err());
    }

    @Test
    void benchReportsEveryQueryAnswered() {
        CommandRun run = CommandRun.of("icp", "bench", server, "--queries", "5000", "--warmup", "0", "--window", "16");

        assertEquals(0, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("lost        0 (late replies 0, malformed 0)"), run.out());
        assertTrue(run.out().contains("replies     ICP_OP_MISS 5,000"), run.out());
        assertTrue(run.out().lines().anyMatch(line -> line.startsWith("RESULT replies_per_s=") && line.contains(" lost=0 ")),
                run.out());
    }

    @Test
    void benchNamesAMissingUrlsFile() {
        CommandRun run = CommandRun.of("icp", "bench", server, "--urls", "/nonexistent/urls.txt", "--queries", "10");

        assertEquals(2, run.status());
        assertTrue(run.err().startsWith("sibyl: cannot read --urls /nonexistent/urls.txt: java.nio.file.NoSuchFileException"),
                run.err());
    }
}
