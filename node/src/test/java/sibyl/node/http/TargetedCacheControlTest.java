package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Targeted Cache-Control (RFC 9213) on a node that accelerates a site and is a forward proxy
 * too: the targeted field rules the node's caching in accelerator mode only, and the node never
 * passes on a field it consumed.
 */
class TargetedCacheControlTest {
    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> """
            http.accelerate { "*" = "127.0.0.1:%d" }
            """.formatted(origin.port()));

    private static HttpConnection.Response accelerated(String path) throws Exception {
        return node.send("GET " + path + " HTTP/1.1\nHost: www.example.test\n\n");
    }

    @Test
    void cdnCacheControlRulesTheNodeAndClientsKeepCacheControl() throws Exception {
        node.origin().on("/cdn", ScriptedOrigin.body(200, "page", "Cache-Control", "no-store", "Expires", "0",
                "CDN-Cache-Control", "max-age=600"));

        HttpConnection.Response miss = accelerated("/cdn");
        HttpConnection.Response hit = accelerated("/cdn");

        assertEquals("HIT from " + TestNode.NAME, hit.header("X-Cache"), "stored for 600 s, Cache-Control and Expires aside");
        assertEquals("page", hit.text());
        assertEquals("no-store", hit.header("Cache-Control"), "the browser's own directive goes on");
        assertNull(miss.header("CDN-Cache-Control"), "consumed by the node: not passed on");
        assertNull(hit.header("CDN-Cache-Control"));
        assertEquals(1, node.origin().count("/cdn"));
    }

    @Test
    void theNodesOwnFieldComesBeforeCdnCacheControl() throws Exception {
        node.origin().on("/own", ScriptedOrigin.body(200, "page", "Cache-Control", "max-age=600",
                "Sibyl-Cache-Control", "no-store", "CDN-Cache-Control", "max-age=600"));
        node.origin().on("/empty", ScriptedOrigin.body(200, "page", "Cache-Control", "max-age=600", "Sibyl-Cache-Control", " ",
                "CDN-Cache-Control", "no-store"));

        accelerated("/own");
        HttpConnection.Response own = accelerated("/own");
        accelerated("/empty");
        accelerated("/empty");

        assertEquals("MISS from " + TestNode.NAME, own.header("X-Cache"));
        assertNull(own.header("Sibyl-Cache-Control"));
        assertEquals(2, node.origin().count("/own"));
        assertEquals(2, node.origin().count("/empty"), "an empty targeted field is skipped: CDN-Cache-Control's no-store rules");
    }

    @Test
    void aForwardProxyRequestIgnoresTargetedFields() throws Exception {
        node.origin().on("/forward", ScriptedOrigin.body(200, "page", "Cache-Control", "no-store",
                "CDN-Cache-Control", "max-age=600"));

        node.get(node.origin().url("/forward"));
        HttpConnection.Response second = node.get(node.origin().url("/forward"));

        assertEquals("MISS from " + TestNode.NAME, second.header("X-Cache"), "no-store rules: the node is not this origin's CDN");
        assertEquals("max-age=600", second.header("CDN-Cache-Control"), "passed on for the CDN it is meant for");
        assertEquals(2, node.origin().count("/forward"));
    }
}
