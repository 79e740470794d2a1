package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may use the node for what: the access lists, with the test's own address left out of them. */
class HttpAccessTest {
    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        origin.on("/page", ScriptedOrigin.body(200, "page", "Cache-Control", "max-age=60"));
        return """
                http.allow = ["10.0.0.0/8"]
                http.purge-allow = ["10.0.0.0/8"]
                http.accelerate { "*" = "127.0.0.1:%d" }
                """.formatted(origin.port());
    });

    @Test
    void forwardProxyClientsOutsideTheAclAre403() throws Exception {
        HttpConnection.Response response = node.get(node.origin().url("/page"));

        assertEquals(403, response.status());
        assertTrue(response.text().contains("http.allow"), response.text());
        assertEquals(0, node.origin().count("/page"));
    }

    @Test
    void purgeAndTheCacheManagerAreForTheirAclOnly() throws Exception {
        assertEquals(403, node.send("PURGE /page HTTP/1.1\nHost: anything\n\n").status());
        assertEquals(403, node.send("GET /squid-internal-mgr/counters HTTP/1.1\nHost: anything\n\n").status());
    }

    @Test
    void aTakenHttpAddressStopsStartNamingTheSettingAndTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            java.net.BindException e = org.junit.jupiter.api.Assertions.assertThrows(java.net.BindException.class,
                    () -> TestNode.start(node.directory(), "http.listen = [\"127.0.0.1:" + taken.getLocalPort() + "\"]\n"));
            assertTrue(e.getMessage().startsWith("http.listen: HTTP address 127.0.0.1:" + taken.getLocalPort() + ": "),
                    e.getMessage());
        }
    }

    @Test
    void aTakenAdminAddressStopsStartNamingTheSetting() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            java.net.BindException e = org.junit.jupiter.api.Assertions.assertThrows(java.net.BindException.class,
                    () -> TestNode.start(node.directory(), "admin.listen = [\"127.0.0.1:" + taken.getLocalPort() + "\"]\n"));
            assertTrue(e.getMessage().startsWith("admin.listen: 127.0.0.1:" + taken.getLocalPort() + ": "), e.getMessage());
        }
    }

    @Test
    void acceleratedSitesAreServedToAnyone() throws Exception {
        HttpConnection.Response response = node.send("GET /page HTTP/1.1\nHost: www.example.test\n\n");

        assertEquals(200, response.status());
        assertEquals("page", response.text());
    }
}
