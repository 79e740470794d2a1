package sibyl.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import sibyl.icp.client.IcpClient;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.testing.FreePorts;
import sibyl.icp.wire.IcpOpcode;
import sibyl.node.SibylNode;
import sibyl.node.origin.OriginLatencies;

/**
 * The admin listener's status page as an operator's browser shows it: a real node given a known
 * mix of HTTP and ICP traffic, its page loaded in headless Chromium, and what the page drew
 * compared with the node's own counters.
 */
class StatusPageTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** For a browser that hangs: a page this small draws in well under a second. */
    private static final Duration CHROMIUM_LIMIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> "");

    @Test
    void thePageDrawsWhatTheNodeCounted() throws Exception {
        assumeChromium();
        SibylNode sibyl = node.sibyl();
        node.origin().on("/cached-a", ScriptedOrigin.body(200, "a", "Cache-Control", "max-age=3600"));
        node.origin().on("/cached-b", ScriptedOrigin.body(200, "b", "Cache-Control", "max-age=3600"));
        node.origin().on("/uncached", ScriptedOrigin.body(200, "u", "Cache-Control", "no-store"));

        // A miss then two hits, a miss then a hit, two misses never stored: 7 requests, 3 hits.
        for (String path : List.of("/cached-a", "/cached-a", "/cached-a", "/cached-b", "/cached-b", "/uncached", "/uncached")) {
            assertEquals(200, node.get(node.origin().url(path)).status(), path);
        }
        InetSocketAddress icpAddress = sibyl.icpAddresses().get(0);
        try (IcpClient icp = IcpClient.openFor(icpAddress)) {
            for (String path : List.of("/cached-a", "/cached-b")) {
                assertEquals(IcpOpcode.HIT, icp.query(icpAddress, node.origin().url(path), Duration.ofSeconds(5)).join()
                        .message().opcode(), path);
            }
            for (String path : List.of("/never-1", "/never-2", "/never-3")) {
                assertEquals(IcpOpcode.MISS, icp.query(icpAddress, node.origin().url(path), Duration.ofSeconds(5)).join()
                        .message().opcode(), path);
            }
        }
        // Counters are bumped once a response is written, which the client may see first; and the
        // chart has bars only once the node's first ten-second interval has ended.
        await().atMost(Duration.ofSeconds(60)).until(() -> sibyl.httpStats().requests() == 7
                && sibyl.httpStats().hits() == 3 && sibyl.index().size() == 2
                && adminGet("/status.json").body().contains("\"intervals\":[{"));

        HttpResponse<String> page = adminGet("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
        // No URL of any scheme: a page that loads nothing from elsewhere works on an offline machine.
        assertFalse(page.body().contains("://"), "the status page names a URL; it must be self-contained");

        Document dom = drawnPage(sibyl, "/status");

        // No traffic since the counters settled above: the node's figures now are those Chromium was sent.
        assertEquals(sibyl.name(), text(dom, "node-name"));
        assertEquals(TestNode.NAME, text(dom, "node-name"));
        assertEquals("true", element(dom, "node-ready").attr("data-ready"));
        assertNotNull(dom.getElementById("cluster-none"), "a node outside a cluster says so");

        List<String> policies = dom.select("#icp-chain tbody tr").eachAttr("data-policy");
        assertEquals(sibyl.policies().names(), policies);
        Map<String, Map<IcpVerdict, Long>> verdicts = sibyl.policies().verdictsByPolicy();
        long hitsShown = 0;
        for (String policy : policies) {
            Element row = dom.selectFirst("#icp-chain tr[data-policy=\"" + policy + "\"]");
            assertEquals(policy, row.selectFirst("td[data-name]").text());
            for (IcpVerdict verdict : IcpVerdict.values()) {
                long shown = Long.parseLong(row.selectFirst("td[data-verdict=" + verdict.name() + "]").text());
                assertEquals(verdicts.get(policy).get(verdict), shown, policy + " " + verdict);
            }
            hitsShown += Long.parseLong(row.selectFirst("td[data-verdict=HIT]").text());
        }
        assertEquals(2, hitsShown, "the two ICP queries for stored URLs were HITs some policy decided");
        assertEquals(String.valueOf(sibyl.policies().undecided()), text(dom, "icp-undecided"));

        assertEquals(String.valueOf(sibyl.httpStats().requests()), text(dom, "http-requests"));
        assertEquals(String.valueOf(sibyl.httpStats().hits()), text(dom, "http-hits"));
        assertEquals(String.valueOf(sibyl.httpStats().misses()), text(dom, "http-misses"));
        assertEquals(String.valueOf(sibyl.index().size()), text(dom, "cache-objects"));

        Element chart = element(dom, "traffic-chart");
        assertFalse(chart.hasAttr("hidden"), "the chart shows once there is an interval");
        int intervals = Integer.parseInt(chart.attr("data-intervals"));
        assertTrue(intervals >= 1, chart::outerHtml);
        assertEquals(intervals, chart.select("g[data-end]").size(), chart::outerHtml);
        assertFalse(element(dom, "traffic-chart-desc").text().isEmpty(), "the chart is described for screen readers");
        assertTrue(dom.getElementById("traffic-empty").hasAttr("hidden"));

        List<String> origins = dom.select("#origins-table tbody tr").eachAttr("data-origin");
        List<String> expectedOrigins = sibyl.httpStats().originLatencies()
                .slowest(5, System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(10)).stream()
                .map(OriginLatencies.Figures::origin).toList();
        assertEquals(expectedOrigins, origins);
        assertEquals(1, origins.size(), "one origin answered the misses");
    }

    @Test
    void inAClusterThePageListsTheMembersAndMarksThisNode() throws Exception {
        assumeChromium();
        int[] ports = {FreePorts.tcp(), FreePorts.tcp()};
        String members = "\"127.0.0.1:" + ports[0] + "\", \"127.0.0.1:" + ports[1] + "\"";
        try (SibylNode a = clustered("a", ports[0], members); SibylNode b = clustered("b", ports[1], members)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> a.clusterMembers() == 2 && b.clusterMembers() == 2);

            Document dom = drawnPage(a, "/");

            assertNull(dom.getElementById("cluster-none"));
            assertTrue(text(dom, "cluster-name").startsWith("Cluster status-page-test: 2 members"), text(dom, "cluster-name"));
            List<Element> rows = dom.select("#cluster-members tbody tr");
            assertEquals(a.clusterMembers(), rows.size());
            assertEquals(List.of("node-a", "node-b"), rows.stream().map(row -> row.selectFirst("td").ownText()).sorted().toList());
            List<Element> self = dom.select("#cluster-members tr[data-self=true]");
            assertEquals(1, self.size(), "exactly one member is this node");
            assertEquals(a.name(), self.get(0).selectFirst("td").ownText());
            assertEquals(a.name() + " (this node)", self.get(0).selectFirst("td").text());
            for (Element row : rows) {
                String state = row.select("td").get(1).text();
                assertTrue(List.of("serving", "warming (lite)", "draining").contains(state), state);
            }
        }
    }

    private static void assumeChromium() {
        assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: install Debian's chromium"
                + " (apt-get install chromium) to test the status page in a browser");
    }

    /** A node of a two-member cluster, in this class's directory. */
    private static SibylNode clustered(String name, int port, String members) throws Exception {
        Path config = node.directory().resolve("cluster-" + name + ".conf");
        Files.writeString(config, """
                node.name = node-%s
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                http.threads = 2
                warm-up { icp-queries = 200, http-requests = 40 }
                cluster { enabled = true, name = status-page-test, listen = "127.0.0.1:%d", members = [%s], drain-timeout = 2s }
                """.formatted(name, port, members));
        return SibylNode.start(config, Map.of());
    }

    private static String text(Document dom, String id) {
        return element(dom, id).text();
    }

    private static Element element(Document dom, String id) {
        Element element = dom.getElementById(id);
        assertNotNull(element, () -> "no #" + id + " in the page");
        return element;
    }

    private static HttpResponse<String> adminGet(String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(adminUri(node.sibyl(), path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI adminUri(SibylNode sibyl, String path) {
        InetSocketAddress admin = sibyl.adminAddresses().get(0);
        return URI.create("http://" + admin.getAddress().getHostAddress() + ":" + admin.getPort() + path);
    }

    /**
     * The page's DOM once its script has run, as headless Chromium prints it; a failure, with
     * Chromium's stderr, if the page reported an error (#page-error: status.json unreadable, or
     * the script threw) or never drew. The virtual time budget lets the page's timers and its
     * fetch of status.json run before the dump (virtual time stands still while a request is
     * out), without the test waiting real seconds for them.
     */
    private static Document drawnPage(SibylNode sibyl, String path) throws IOException, InterruptedException {
        // Headless Chromium's virtual time does not always wait for the page's fetch: on a busy
        // machine (CI, once in a fresh clone) it dumped the DOM before status.json came back. A
        // dump before the first draw is asked again; an error the page reports never is.
        for (int attempt = 1; ; attempt++) {
            Document dom = dump(sibyl, path, attempt == 3);
            if (dom != null) {
                return dom;
            }
        }
    }

    /** One dump: the page, or null if it had not drawn yet and {@code last} is false. */
    private static Document dump(SibylNode sibyl, String path, boolean last) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(node.directory(), "chromium");
        Path out = work.resolve("dom.html");
        Path err = work.resolve("stderr.txt");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(),
                "--headless=new",
                // The tests run as root in a container, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                // A profile of its own: another Chromium (a parallel build's) holds the default one's lock.
                "--user-data-dir=" + work.resolve("profile"),
                "--no-first-run",
                "--virtual-time-budget=5000",
                "--dump-dom",
                adminUri(sibyl, path).toString()));
        Process chromium = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        if (!chromium.waitFor(CHROMIUM_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            chromium.descendants().forEach(ProcessHandle::destroyForcibly);
            chromium.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + CHROMIUM_LIMIT + "; its stderr:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        String html = Files.readString(out, StandardCharsets.UTF_8);
        String run = String.join(" ", command) + " exited " + chromium.exitValue();
        if (chromium.exitValue() != 0) {
            fail(run + "; its stderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
        }
        Document dom = Jsoup.parse(html);
        Element error = dom.getElementById("page-error");
        if (error != null) {
            fail("the page reported: " + error.text() + "\n" + run + "; its stderr:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        if (!dom.body().hasAttr("data-rendered")) {
            if (!last) {
                return null;
            }
            fail(run + " with a page that never drew status.json, three times; its stderr:\n"
                    + Files.readString(err, StandardCharsets.UTF_8) + "\nits DOM:\n" + html);
        }
        return dom;
    }
}
