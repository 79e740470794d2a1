package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import sibyl.icp.client.IcpClient;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.wire.IcpOpcode;
import sibyl.node.admin.AdminClient;

/**
 * {@code POST /reload} on a real node: what a reload applies (the ICP chain, access lists, log
 * levels) and to whom (new connections; open ones keep what they had), and what it refuses
 * whole, with every reason, the running configuration still answering.
 */
class ReloadTest {
    private Path directory;
    private ScriptedOrigin origin;
    private TestNode node;

    @BeforeEach
    void start() throws Exception {
        directory = Files.createTempDirectory("sibyl-reload");
        origin = new ScriptedOrigin().on("/page", ScriptedOrigin.body(200, "page", "Cache-Control", "max-age=3600"));
        node = TestNode.start(directory, "");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            node.close();
        } finally {
            origin.close();
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void aReloadChangesTheIcpChainTheNextQuerySeesAndKeepsThePoliciesThatDidNotChange() throws Exception {
        IcpPolicy cache = node.node.policies().policy("50-cache").orElseThrow();
        assertEquals(IcpOpcode.MISS, icp("http://example.com/x"));

        node.rewrite("icp.policies.20-deny { type = acl, allow = [\"10.0.0.0/8\"] }\n");
        HttpResponse<String> reload = admin().post("/reload");

        assertEquals(200, reload.statusCode(), reload.body());
        assertEquals("reloaded; changed icp.policies.20-deny.allow, icp.policies.20-deny.type\n", reload.body());
        assertEquals(IcpOpcode.DENIED, icp("http://example.com/x"));
        assertEquals(java.util.List.of("10-acl", "20-deny", "50-cache"), node.node.policies().names());
        assertSame(cache, node.node.policies().policy("50-cache").orElseThrow(), "an unchanged policy is kept, state and all");

        node.rewrite("");
        assertEquals(200, admin().post("/reload").statusCode());
        assertEquals(IcpOpcode.MISS, icp("http://example.com/x"), "and taken out again");
    }

    @Test
    void aConfigurationThatDoesNotLoadIsRefusedWholeNamingKeyFileAndLineAndTheRunningOneStays() throws Exception {
        node.rewrite("icp.policies.20-deny { type = acl, allow = [\"10.0.0.0/8\"] }\nhttp.max-pipelined = -3\n"
                + "icp.policies.30-rules { type = rules, file = \"" + directory.resolve("missing.rules") + "\" }\n");
        HttpResponse<String> reload = admin().post("/reload");

        assertEquals(422, reload.statusCode(), reload.body());
        String body = reload.body();
        assertTrue(body.startsWith("refused: the running configuration stays\n"), body);
        // The file's ninth line: the test defaults take seven, the policy one.
        assertTrue(body.contains("\nhttp.max-pipelined = -3 (" + node.config + ": 9): must not be negative\n"), body);
        assertEquals(IcpOpcode.MISS, icp("http://example.com/x"), "no part of it was applied");
        assertEquals(java.util.List.of("10-acl", "50-cache"), node.node.policies().names());
        assertEquals(200, node.get(origin.url("/page")).status(), "and the node serves on");

        // A policy that cannot be made (its rule file is missing) refuses the reload too.
        node.rewrite("icp.policies.20-deny { type = acl, allow = [\"10.0.0.0/8\"] }\n"
                + "icp.policies.30-rules { type = rules, file = \"" + directory.resolve("missing.rules") + "\" }\n");
        HttpResponse<String> unmade = admin().post("/reload");
        assertEquals(422, unmade.statusCode(), unmade.body());
        assertTrue(unmade.body().contains("missing.rules"), unmade.body());
        assertEquals(java.util.List.of("10-acl", "50-cache"), node.node.policies().names());
    }

    @Test
    void aChangeThatNeedsARestartIsRefusedNamingEachSetting() throws Exception {
        node.rewrite("http.threads = 3\ncache.memory = 64m\nicp.policies.20-deny { type = acl, allow = [\"10.0.0.0/8\"] }\n");
        HttpResponse<String> reload = admin().post("/reload");

        assertEquals(422, reload.statusCode(), reload.body());
        assertTrue(reload.body().contains("cache.memory: changed, and needs a restart"), reload.body());
        assertTrue(reload.body().contains("http.threads: changed, and needs a restart"), reload.body());
        assertFalse(reload.body().contains("icp.policies"), "only what needs a restart is named: " + reload.body());
        assertEquals(IcpOpcode.MISS, icp("http://example.com/x"));
    }

    @Test
    void anOpenConnectionKeepsWhatItWasMadeWithAndNewOnesGetTheReloadedAccessList() throws Exception {
        String get = "GET " + origin.url("/page") + " HTTP/1.1\nHost: 127.0.0.1\n\n";
        try (HttpConnection open = node.connect()) {
            assertEquals(200, open.send(get).status());

            node.rewrite("http.allow = [\"10.0.0.0/8\"]\n");
            assertEquals(200, admin().post("/reload").statusCode());

            assertEquals(403, node.send(get).status(), "a new connection gets the new list");
            assertEquals(200, open.send(get).status(), "the open one is not dropped, nor its rules changed under it");
        }
    }

    @Test
    void logLevelsChangeAndGoBackWhenLeftOut() throws Exception {
        org.slf4j.Logger logger = LoggerFactory.getLogger("sibyl.node.origin.ReloadTestProbe");
        boolean debugBefore = logger.isDebugEnabled();
        node.rewrite("node.log-levels { \"sibyl.node.origin\" = " + (debugBefore ? "WARN" : "DEBUG") + " }\n");
        assertEquals(200, admin().post("/reload").statusCode());
        assertEquals(!debugBefore, logger.isDebugEnabled());

        node.rewrite("");
        assertEquals(200, admin().post("/reload").statusCode());
        assertEquals(debugBefore, logger.isDebugEnabled());
    }

    @Test
    void aReloadWithNothingChangedSaysSo() throws Exception {
        HttpResponse<String> reload = admin().post("/reload");
        assertEquals(200, reload.statusCode());
        assertEquals("reloaded; nothing changed\n", reload.body());
    }

    private AdminClient admin() {
        return new AdminClient(node.node.adminAddresses().get(0));
    }

    private IcpOpcode icp(String url) throws Exception {
        InetSocketAddress icp = node.node.icpAddresses().get(0);
        try (IcpClient client = IcpClient.openFor(icp)) {
            return client.query(icp, url, Duration.ofSeconds(5)).get().message().opcode();
        }
    }
}
