package sibyl.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import sibyl.config.SettingsLoader;
import sibyl.icp.client.IcpClient;
import sibyl.icp.wire.IcpOpcode;
import sibyl.node.cli.SibylCommand;

/** Two clustered nodes in one JVM: claims following what a node stores, the status page and command, the drain. */
class ClusterNodeTest {
    @TempDir
    Path directory;

    @Test
    void storedUrlsAreClaimedPurgesReleaseThemAndADrainingNodeHandsEverythingOver() throws Exception {
        com.sun.net.httpserver.HttpServer origin = cacheableOrigin();
        String members = "\"127.0.0.1:" + SquidProcess.freeTcpPort() + "\", \"127.0.0.1:" + SquidProcess.freeTcpPort() + "\"";
        SibylNode a = start("a", members.split(", ")[0], members);
        SibylNode b = start("b", members.split(", ")[1], members);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> a.clusterMembers() == 2 && b.clusterMembers() == 2);

            // A URL that b owns by partition, sent to a as b would send it (peer fill, Via naming b):
            // a fetches it from the origin, stores it and claims it.
            String url = null;
            for (int i = 0; url == null; i++) {
                String candidate = "http://127.0.0.1:" + origin.getAddress().getPort() + "/claim/" + i;
                if (icp(b, candidate) == IcpOpcode.HIT) {
                    url = candidate;
                }
            }
            assertEquals(IcpOpcode.MISS_NOFETCH, icp(a, url), "b owns it by partition");
            assertEquals(200, send(a, HttpRequest.newBuilder(URI.create(url)).header("Via", "1.1 node-b (sibyl)").build())
                    .statusCode());
            String claimed = url;
            await().until(() -> icp(a, claimed) == IcpOpcode.HIT && icp(b, claimed) == IcpOpcode.MISS_NOFETCH);

            String status = page(a, "cluster");
            assertTrue(status.startsWith("cluster clustered-node-test: 2 members"), status);
            assertTrue(status.contains("node-a") && status.contains("node-b"), status);
            String json = page(b, "cluster.json");
            assertTrue(json.contains("\"cluster\":\"clustered-node-test\"") && json.contains("\"name\":\"node-a\""), json);
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            CommandLine command = SibylCommand.commandLine().setOut(new PrintWriter(printed, true));
            assertEquals(0, command.execute("cluster", "status", "127.0.0.1:" + a.httpAddresses().get(0).getPort()));
            assertTrue(printed.toString().contains("2 members"), printed.toString());

            HttpResponse<String> purge = send(a, HttpRequest.newBuilder(URI.create(url)).method("PURGE",
                    HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, purge.statusCode());
            await().until(() -> icp(b, claimed) == IcpOpcode.HIT && icp(a, claimed) == IcpOpcode.MISS_NOFETCH);

            a.close(); // drains: releases its claims, then leaves
            await().atMost(Duration.ofSeconds(15)).until(() -> b.clusterMembers() == 1);
            for (int i = 0; i < 50; i++) {
                assertEquals(IcpOpcode.HIT, icp(b, "http://example.com/after-drain/" + i), "b owns everything now");
            }
        } finally {
            a.close();
            b.close();
            origin.stop(0);
        }
    }

    @Test
    void aPurgeOrAnUnsafeRequestOnOneMemberRemovesTheUrlWhereverItIsHeld() throws Exception {
        com.sun.net.httpserver.HttpServer origin = cacheableOrigin();
        String members = "\"127.0.0.1:" + SquidProcess.freeTcpPort() + "\", \"127.0.0.1:" + SquidProcess.freeTcpPort() + "\"";
        SibylNode a = start("a", members.split(", ")[0], members, "invalidation-test");
        SibylNode b = start("b", members.split(", ")[1], members, "invalidation-test");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> a.clusterMembers() == 2 && b.clusterMembers() == 2);
            List<String> ofB = new ArrayList<>();
            for (int i = 0; ofB.size() < 2; i++) {
                String candidate = "http://127.0.0.1:" + origin.getAddress().getPort() + "/invalidate/" + i;
                if (icp(b, candidate) == IcpOpcode.HIT) {
                    ofB.add(candidate);
                }
            }
            for (String url : ofB) {
                assertEquals(200, send(b, HttpRequest.newBuilder(URI.create(url)).build()).statusCode());
                assertEquals(200, heldBy(b, url), "stored by b, its owner");
            }

            assertEquals(404, send(a, HttpRequest.newBuilder(URI.create(ofB.get(0))).method("PURGE",
                    HttpRequest.BodyPublishers.noBody()).build()).statusCode(), "a held nothing of it");
            assertEquals(200, send(a, HttpRequest.newBuilder(URI.create(ofB.get(1)))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build()).statusCode());

            for (String url : ofB) {
                await().atMost(Duration.ofSeconds(10)).until(() -> heldBy(b, url) == 504);
            }
        } finally {
            a.close();
            b.close();
            origin.stop(0);
        }
    }

    /** An origin answering every path (and method) with "body", fresh for an hour. */
    private static com.sun.net.httpserver.HttpServer cacheableOrigin() throws IOException {
        com.sun.net.httpserver.HttpServer origin = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "body".getBytes();
            exchange.getResponseHeaders().set("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();
        return origin;
    }

    /** 200 if {@code node} holds {@code url} (an only-if-cached GET), 504 if not. */
    private static int heldBy(SibylNode node, String url) throws IOException, InterruptedException {
        return send(node, HttpRequest.newBuilder(URI.create(url)).header("Cache-Control", "only-if-cached").build())
                .statusCode();
    }

    @Test
    void aMissForAnotherMembersUrlIsFetchedFromThatMemberAndFromTheOriginWhenItFails() throws Exception {
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> asked =
                new java.util.concurrent.ConcurrentHashMap<>();
        CountDownLatch burstArrived = new CountDownLatch(1);
        com.sun.net.httpserver.HttpServer origin = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin.createContext("/", exchange -> {
            asked.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new java.util.concurrent.atomic.AtomicInteger())
                    .incrementAndGet();
            if (exchange.getRequestURI().getPath().startsWith("/burst/")) {
                try {
                    burstArrived.await(30, TimeUnit.SECONDS); // answered once the whole burst waits at a
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = ("body of " + exchange.getRequestURI().getPath()).getBytes();
            exchange.getResponseHeaders().set("Cache-Control", "max-age=3600");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();
        int[] ports = {SquidProcess.freeTcpPort(), SquidProcess.freeTcpPort(), SquidProcess.freeTcpPort()};
        String members = "\"127.0.0.1:" + ports[0] + "\", \"127.0.0.1:" + ports[1] + "\", \"127.0.0.1:" + ports[2] + "\"";
        SibylNode a = start("a", "\"127.0.0.1:" + ports[0] + "\"", members, "peer-fill-test");
        SibylNode b = start("b", "\"127.0.0.1:" + ports[1] + "\"", members, "peer-fill-test");
        // A member whose node does not answer HTTP: its URLs must come from the origin.
        sibyl.cluster.ClusterMember silent = sibyl.cluster.ClusterMember.join(new sibyl.config.ClusterSettings(true,
                "peer-fill-test", new InetSocketAddress("127.0.0.1", ports[2]),
                java.util.Arrays.stream(ports).mapToObj(port -> new InetSocketAddress("127.0.0.1", port)).toList(),
                false, sibyl.config.ClusterSettings.Mode.PARENT, Duration.ofSeconds(1)),
                "node-silent", new InetSocketAddress("127.0.0.1", SquidProcess.freeTcpPort()));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> a.clusterMembers() == 3 && b.clusterMembers() == 3);
            assertTrue(silent.awaitPartitions(Duration.ofSeconds(30)), "partitions settled on the three members");
            String base = "http://127.0.0.1:" + origin.getAddress().getPort();
            String ofB = null;
            String ofSilent = null;
            for (int i = 0; ofB == null || ofSilent == null; i++) {
                String url = base + "/peer/" + i;
                if (ofB == null && icp(b, url) == IcpOpcode.HIT) {
                    ofB = url;
                } else if (ofSilent == null && silent.ownership().answer(url) == sibyl.cluster.Ownership.Answer.MINE) {
                    ofSilent = url;
                }
            }

            for (int round = 0; round < 2; round++) {
                HttpResponse<String> response = get(a, ofB);
                assertEquals(200, response.statusCode());
                assertEquals("body of " + URI.create(ofB).getPath(), response.body());
                String via = String.join(",", response.headers().allValues("Via"));
                assertTrue(via.contains("node-b") && via.contains("node-a"), "through b, then a: " + via);
            }
            assertEquals(1, asked.get(URI.create(ofB).getPath()).get(), "b fetched it once and served it the second time");
            assertTrue(!b.index().peek(sibyl.node.cache.CacheKey.of(ofB)).isEmpty(), "the owner stores it");
            assertTrue(a.index().peek(sibyl.node.cache.CacheKey.of(ofB)).isEmpty(), "the node asked does not");

            HttpResponse<String> fallback = get(a, ofSilent);
            assertEquals(200, fallback.statusCode(), "from the origin when the owner does not answer");
            assertEquals(1, asked.get(URI.create(ofSilent).getPath()).get());
            String counters = page(a, "counters");
            assertTrue(counters.contains("sibyl.peer_requests = 3\n") && counters.contains("sibyl.peer_errors = 1\n"), counters);

            // Twenty requests at once for another URL of b's: each goes to b, which asks the origin once.
            String burst = null;
            for (int i = 0; burst == null; i++) {
                if (icp(b, base + "/burst/" + i) == IcpOpcode.HIT) {
                    burst = base + "/burst/" + i;
                }
            }
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(ProxySelector.of(a.httpAddresses().get(0))).build();
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                responses.add(client.sendAsync(HttpRequest.newBuilder(URI.create(burst)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> a.httpStats().inFlight() == 20);
            burstArrived.countDown();
            for (CompletableFuture<HttpResponse<String>> response : responses) {
                assertEquals(200, response.get(30, TimeUnit.SECONDS).statusCode());
                assertEquals("body of " + URI.create(burst).getPath(), response.get().body());
            }
            assertEquals(1, asked.get(URI.create(burst).getPath()).get(), "the origin asked once for the whole burst");

            // A HEAD and a range request for another URL of b's go to b as asked; a stores nothing
            // and b keeps the claim.
            String partial = null;
            for (int i = 0; partial == null; i++) {
                if (icp(b, base + "/partial/" + i) == IcpOpcode.HIT) {
                    partial = base + "/partial/" + i;
                }
            }
            HttpResponse<String> head = send(a, HttpRequest.newBuilder(URI.create(partial))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, head.statusCode());
            HttpResponse<String> range = send(a, HttpRequest.newBuilder(URI.create(partial)).header("Range", "bytes=0-3").build());
            assertEquals(206, range.statusCode());
            assertEquals("body", range.body());
            assertTrue(String.join(",", range.headers().allValues("Via")).contains("node-b"), "answered by b");
            assertEquals(1, asked.get(URI.create(partial).getPath()).get(), "b fetched it once, for both");
            assertTrue(a.index().peek(sibyl.node.cache.CacheKey.of(partial)).isEmpty(), "a stores nothing");
            assertEquals(IcpOpcode.HIT, icp(b, partial));
            assertEquals(IcpOpcode.MISS_NOFETCH, icp(a, partial));
        } finally {
            a.close();
            b.close();
            silent.close();
            origin.stop(0);
        }
    }

    private SibylNode start(String name, String listen, String members, String cluster) throws Exception {
        Path config = directory.resolve(name + ".conf");
        Files.writeString(config, """
                node.name = node-%s
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                cluster { enabled = true, name = %s, listen = %s, members = [%s], drain-timeout = 2s }
                """.formatted(name, cluster, listen, members));
        return SibylNode.start(SettingsLoader.load(config, Map.of()));
    }

    private SibylNode start(String name, String listen, String members) throws Exception {
        return start(name, listen, members, "clustered-node-test");
    }

    private static IcpOpcode icp(SibylNode node, String url) throws Exception {
        InetSocketAddress icp = node.icpAddresses().get(0);
        try (IcpClient client = IcpClient.openFor(icp)) {
            return client.query(icp, url, Duration.ofSeconds(5)).join().message().opcode();
        }
    }

    private static HttpResponse<String> get(SibylNode node, String url) throws IOException, InterruptedException {
        return send(node, HttpRequest.newBuilder(URI.create(url)).build());
    }

    private static HttpResponse<String> send(SibylNode node, HttpRequest request) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(node.httpAddresses().get(0))).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String page(SibylNode node, String page) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        InetSocketAddress http = node.httpAddresses().get(0);
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + http.getPort() + "/squid-internal-mgr/" + page)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
