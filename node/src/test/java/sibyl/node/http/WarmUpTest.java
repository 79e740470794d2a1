package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node warms up before it serves (the reference configuration's warm-up), and nothing of it
 * shows: no object held, no request counted or logged, no ICP query counted.
 */
class WarmUpTest {
    @TempDir
    Path directory;

    @Test
    void aNodeStartsWarmWithNothingOfItsWarmUpLeft() throws Exception {
        Path accessLog = directory.resolve("access.log");
        try (TestNode node = TestNode.start(directory, "http.access-log = \"" + accessLog + "\"\n"
                + "warm-up { icp-queries = 2000, http-requests = 400 }\n")) {
            assertEquals(0, node.node.index().size(), "the warm-up's objects are forgotten");
            assertEquals(0, node.node.httpStats().requests());
            assertEquals(0, node.node.icpStats().received(), "ICP queries counted");
            String counters = node.send("GET /squid-internal-mgr/counters HTTP/1.1\nHost: 127.0.0.1\n\n").text();
            assertTrue(counters.contains("client_http.requests = 0\n"), counters);
            assertTrue(counters.contains("sibyl.objects = 0\n"), counters);
        }
        String logged = Files.readString(accessLog);
        assertTrue(!logged.contains("sibyl-warm-up"), "the access log has the node's own requests only:\n" + logged);
        assertTrue(logged.contains("squid-internal-mgr/counters"), logged);
    }
}
