package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import sibyl.icp.client.IcpClient;
import sibyl.icp.client.IcpReply;
import sibyl.icp.wire.IcpOpcode;
import sibyl.node.admin.AdminClient;
import sibyl.node.admin.Scrape;

/**
 * The admin listener of a real node: health, the metrics as Prometheus parses them against the
 * traffic the test sent, the cache's listing and purge by pattern, and what it refuses.
 */
class AdminListenerTest {
    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> {
        for (String path : new String[] {"/m/a", "/m/b", "/l/1", "/l/2", "/other/3"}) {
            origin.on(path, ScriptedOrigin.body(200, "body of " + path, "Cache-Control", "max-age=3600"));
        }
        // The admin listener answers 127.0.0.1 only: the test asks from 127.0.0.2 too.
        return "admin.allow = [\"127.0.0.1/32\"]\n";
    });

    private static AdminClient admin() {
        return new AdminClient(node.sibyl().adminAddresses().get(0));
    }

    @Test
    void healthzAnswersWhileTheProcessRunsAndReadyzOnceTheNodeServes() throws Exception {
        HttpResponse<String> health = admin().get("/healthz");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        HttpResponse<String> ready = admin().get("/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("ready\n", ready.body());
        assertEquals("no-store", ready.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    void theMetricsCountTheTrafficSentAsPrometheusReadsThem() throws Exception {
        Scrape before = admin().scrape();
        String a = node.origin().url("/m/a");
        String b = node.origin().url("/m/b");
        assertEquals("MISS", xCache(node.get(a)));
        for (int i = 0; i < 3; i++) {
            assertEquals("HIT", xCache(node.get(a)));
        }
        assertEquals("MISS", xCache(node.get(b)));
        InetSocketAddress icp = node.sibyl().icpAddresses().get(0);
        try (IcpClient client = IcpClient.openFor(icp)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(IcpOpcode.HIT, client.query(icp, a, Duration.ofSeconds(5)).get().message().opcode());
            }
            for (int i = 0; i < 4; i++) {
                IcpReply reply = client.query(icp, node.origin().url("/never/" + i), Duration.ofSeconds(5)).get();
                assertEquals(IcpOpcode.MISS, reply.message().opcode());
            }
        }
        sendIcpVersion9(icp);

        Scrape after = admin().scrape();

        assertEquals(2, after.since(before, "sibyl_http_requests_total{code=\"TCP_MISS\",status=\"200\"}"));
        assertEquals(3, after.since(before, "sibyl_http_requests_total{code=\"TCP_MEM_HIT\",status=\"200\"}"));
        assertEquals(3, after.since(before, "sibyl_http_request_seconds_count{cache=\"hit\"}"));
        assertEquals(2, after.since(before, "sibyl_http_request_seconds_count{cache=\"miss\"}"));
        assertTrue(after.since(before, "sibyl_http_sent_bytes_total{cache=\"hit\"}") > 3 * "body of /m/a".length());
        assertEquals(5, after.since(before, "sibyl_icp_queries_total{verdict=\"HIT\",version=\"2\"}"));
        assertEquals(4, after.since(before, "sibyl_icp_queries_total{verdict=\"MISS\",version=\"2\"}"));
        assertEquals(5, after.since(before, "sibyl_icp_policy_verdicts_total{policy=\"50-cache\",verdict=\"HIT\"}"));
        assertEquals(4, after.since(before, "sibyl_icp_policy_verdicts_total{policy=\"none\",verdict=\"MISS\"}"));
        assertEquals(9, after.since(before, "sibyl_icp_reply_seconds_count"));
        assertEquals(9, after.since(before, "sibyl_icp_reply_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(1, after.since(before, "sibyl_icp_errors_total{reason=\"unknown_version\"}"));
        assertEquals(10, after.since(before, "sibyl_icp_received_total"));
        assertEquals(2, after.since(before, "sibyl_origin_requests_total"));
        assertEquals(2, after.since(before, "sibyl_origin_response_seconds_count"));
        assertTrue(after.value("sibyl_cache_objects") >= 2, "objects: " + after.value("sibyl_cache_objects"));
        assertTrue(after.value("sibyl_store_objects{engine=\"direct\"}") >= 2);
        assertTrue(after.value("sibyl_store_bytes{engine=\"direct\"}") >= 2 * "body of /m/a".length());
        assertTrue(after.value("sibyl_direct_memory_used_bytes") > 0);
        assertTrue(after.value("sibyl_direct_memory_max_bytes") > 0);
        assertTrue(after.has("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}")
                || after.samples().keySet().stream().anyMatch(name -> name.startsWith("jvm_memory_used_bytes{area=\"heap\"")));
        assertTrue(after.value("process_files_open_files") > 0);
        // Prometheus's conventions: a counter's samples end in _total, a histogram's in _bucket,
        // _count and _sum, and units are base units.
        after.types().forEach((family, type) -> {
            if (family.startsWith("sibyl_") && type.equals("counter")) {
                assertTrue(after.samples().keySet().stream().noneMatch(sample -> sample.startsWith(family + "{")),
                        family + " is a counter without _total");
            }
            assertTrue(!family.contains("millis") && !family.contains("kbytes"), family);
        });
    }

    @Test
    void theCacheIsListedAndPurgedByPattern() throws Exception {
        for (String path : new String[] {"/l/1", "/l/2", "/other/3"}) {
            assertEquals(200, node.get(node.origin().url(path)).status());
        }
        assertEquals("HIT", xCache(node.get(node.origin().url("/l/1"))));
        assertEquals("HIT", xCache(node.get(node.origin().url("/l/1"))));

        HttpResponse<String> listed = admin().get("/cache?match=" + java.net.URLEncoder.encode("/l/[0-9]$",
                StandardCharsets.UTF_8));
        assertEquals(200, listed.statusCode(), listed.body());
        assertTrue(listed.body().startsWith("{\"matched\":2,\"objects\":["), listed.body());
        String first = "{\"url\":\"" + node.origin().url("/l/1") + "\",\"bytes\":";
        assertTrue(listed.body().contains(first), listed.body());
        String entry = listed.body().substring(listed.body().indexOf(first));
        entry = entry.substring(0, entry.indexOf('}') + 1);
        assertTrue(entry.matches(".*\"bytes\":[1-9][0-9]*,\"store\":\"direct\",\"freshSeconds\":3[0-9]{3},\"hits\":2,"
                + "\"owner\":\"" + TestNode.NAME + "\"}"), entry);

        HttpResponse<String> table = admin().get("/cache?format=text&limit=1&match=/l/");
        assertTrue(table.body().startsWith("URL"), table.body());
        assertTrue(table.body().endsWith("1 listed of 2 matched\n"), table.body());

        int fetched = node.origin().count("/l/1");
        HttpResponse<String> purged = admin().post("/cache/purge?match=/l/");
        assertEquals(200, purged.statusCode(), purged.body());
        assertEquals("{\"removed\":2,\"members\":0}\n", purged.body());
        assertEquals("MISS", xCache(node.get(node.origin().url("/l/1"))));
        assertEquals(fetched + 1, node.origin().count("/l/1"));
        assertEquals("HIT", xCache(node.get(node.origin().url("/other/3"))), "what the pattern did not find stays");
    }

    @Test
    void wrongRequestsAreRefusedSayingWhatIsRight() throws Exception {
        HttpResponse<String> get = admin().get("/reload");
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> unknown = admin().get("/nothing-here");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("/metrics"), unknown.body());
        HttpResponse<String> everything = admin().post("/cache/purge");
        assertEquals(400, everything.statusCode());
        assertEquals("match=REGEX is required (match=. for everything)\n", everything.body());
        HttpResponse<String> badPattern = admin().get("/cache?match=%28");
        assertEquals(400, badPattern.statusCode());
        assertTrue(badPattern.body().startsWith("match: not a regular expression: Unclosed group"), badPattern.body());
        assertEquals(400, admin().get("/cache?limit=0").statusCode());
    }

    @Test
    void aClientOutsideAdminAllowIsRefused() throws Exception {
        InetSocketAddress address = node.sibyl().adminAddresses().get(0);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            socket.connect(address, 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.1 403 "), response);
            assertTrue(response.endsWith("the admin listener is not open to 127.0.0.2 (admin.allow)\n"), response);
        }
    }

    @Test
    void connectionsPastTheBoundAreClosedAndTheListenerServesOnOnceTheyGo() throws Exception {
        InetSocketAddress address = node.sibyl().adminAddresses().get(0);
        java.util.List<Socket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 72; i++) {
                sockets.add(new Socket(address.getAddress(), address.getPort()));
            }
            int answered = 0;
            int closed = 0;
            for (Socket socket : sockets) {
                socket.setSoTimeout(10_000);
                String response;
                try {
                    socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] head = new byte[12];
                    int read = socket.getInputStream().readNBytes(head, 0, head.length);
                    response = new String(head, 0, read, StandardCharsets.US_ASCII);
                } catch (java.io.IOException e) {
                    response = ""; // reset: closed by the node
                }
                if (response.equals("HTTP/1.1 200")) {
                    answered++;
                } else {
                    assertEquals("", response);
                    closed++;
                }
            }
            // The test's own HTTP client may hold a connection or two from the tests before.
            assertTrue(answered <= 64 && answered >= 60, answered + " answered");
            assertEquals(72, answered + closed);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> admin().get("/healthz").statusCode() == 200);
    }

    private static String xCache(HttpConnection.Response response) {
        assertEquals(200, response.status());
        String cache = response.header("X-Cache");
        return cache.substring(0, cache.indexOf(' '));
    }

    /** A query with ICP version 9: answered ICP_OP_ERR, counted by its reason. */
    private static void sendIcpVersion9(InetSocketAddress icp) throws Exception {
        byte[] url = "http://example.com/v9\0".getBytes(StandardCharsets.US_ASCII);
        byte[] datagram = new byte[24 + url.length];
        datagram[0] = 1; // ICP_OP_QUERY
        datagram[1] = 9;
        datagram[2] = (byte) (datagram.length >> 8);
        datagram[3] = (byte) datagram.length;
        System.arraycopy(url, 0, datagram, 24, url.length);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            socket.setSoTimeout(5_000);
            socket.send(new DatagramPacket(datagram, datagram.length, icp));
            DatagramPacket reply = new DatagramPacket(new byte[64], 64);
            socket.receive(reply);
            assertEquals(IcpOpcode.ERR.code(), reply.getData()[0]);
        }
    }
}
