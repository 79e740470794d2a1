package sibyl.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import sibyl.icp.client.IcpClient;
import sibyl.icp.wire.IcpOpcode;

/**
 * A network split, as processes in network namespaces the test makes (see
 * {@link NetworkNamespaces}): three nodes, each in a namespace of its own, Debian's Squid and
 * the small origin in the root namespace, every node an ICP and HTTP parent of Squid. The URLs
 * are warmed through Squid; then node 3's link is cut for longer than Hazelcast takes to see it
 * gone, while two clients keep asking Squid at a bounded rate; then the link is healed; then
 * the same with the oldest member, Hazelcast's master.
 *
 * <p>Every request must be answered 200 with the origin's body, whichever way Squid went (the
 * other parents, or direct). After each heal the two sides merge into one cluster of three,
 * ownership agrees again (each URL answered HIT over ICP by exactly one node), every copy any
 * node holds is the origin's body, and the cut node's descriptors and threads come back near
 * where they were. Hazelcast's failure detection and split-brain merge are shortened for the
 * test through its own system properties ({@link #JAVA_OPTS}); the nodes' settings are the
 * defaults otherwise.
 *
 * <p>The figures (time to detect, to merge, to agree; requests and where Squid sent them) go to
 * {@code netsplit-result.txt} in the test's directory and to standard output, for
 * docs/RELIABILITY.md.
 *
 * <p>Not in the default {@code mvn verify}: it still fails about one run in three, on an open
 * bug (a few URLs held by two nodes after the merge, docs/RELIABILITY.md), and a CI that fails
 * by chance would hide every other result. Run it with {@code -Dsibyl.netsplit=true}; once the
 * bug is fixed, this condition goes.
 */
@EnabledIfSystemProperty(named = "sibyl.netsplit", matches = "true",
        disabledReason = "fails about one run in three on an open bug (URLs held twice after a merge): -Dsibyl.netsplit=true")
class NetworkSplitProcessesTest {
    private static final int NODES = 3;
    /** The node cut off first; then the oldest member, Hazelcast's master. */
    private static final int FIRST_CUT = 3;
    private static final int URLS = 120;
    private static final int SIZE = 4000;
    private static final String ORIGIN = NetworkNamespaces.ROOT_ADDRESS + ":8080";
    /** Heartbeats every second, a member gone after 5 s without one; merges looked for every 3 s. */
    private static final String JAVA_OPTS = "-Xmx192m -XX:MaxDirectMemorySize=256m -XX:TieredStopAtLevel=1"
            + " -Dhazelcast.heartbeat.interval.seconds=1 -Dhazelcast.max.no.heartbeat.seconds=5"
            + " -Dhazelcast.merge.first.run.delay.seconds=5 -Dhazelcast.merge.next.run.delay.seconds=3";
    /** Requests per second sent to Squid while nodes are cut off and healed, and at most so many unanswered. */
    private static final int RATE = 8;
    private static final int IN_FLIGHT = 64;
    private static final Pattern MEMBERS = Pattern.compile("^cluster netsplit: (\\d+) members?");
    private static final Pattern NODE = Pattern.compile("(MISS|HIT) from (node\\d)");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // the nodes' and Squid's logs kept when it fails
    Path directory;

    private static String path(int i) {
        return "/objects/s" + i;
    }

    private static String url(int i) {
        return "http://" + ORIGIN + path(i) + "?size=" + SIZE;
    }

    /** What docker/origin/origin.py answers for {@code path}: its SHA-256, repeated. */
    private static byte[] body(String path) {
        try {
            byte[] seed = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            byte[] body = new byte[SIZE];
            for (int i = 0; i < SIZE; i++) {
                body[i] = seed[i % seed.length];
            }
            return body;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMemberCutOffAndHealedRejoinsOneClusterWhileSquidServesEveryRequest() throws Exception {
        String unavailable = NetworkNamespaces.unavailable();
        assumeTrue(unavailable == null, unavailable);
        assumeTrue(SquidProcess.installed(), "squid is not installed (apt-get install -y squid; .ci/run does this)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 runs the origin");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl reads the cut node's page inside its namespace");

        try (NetworkNamespaces namespaces = NetworkNamespaces.create(NODES); Processes processes = new Processes()) {
            Process origin = processes.start(new ProcessBuilder("python3",
                    LocalCluster.TOP.resolve("docker/origin/origin.py").toString(), "--bind", NetworkNamespaces.ROOT_ADDRESS,
                    "--port", "8080").redirectErrorStream(true).redirectOutput(directory.resolve("origin.log").toFile()));
            long[] pids = new long[NODES + 1];
            for (int i = 1; i <= NODES; i++) {
                pids[i] = processes.start(node(namespaces, i)).pid();
            }
            HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            await("three warm members").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
                processes.assertAlive();
                for (int i = 1; i <= NODES; i++) {
                    String page = clusterPage(direct, i);
                    if (members(page) != NODES || page.contains("warming up")) {
                        return false;
                    }
                }
                return true;
            });
            assertTrue(origin.isAlive(), "origin");

            List<String> peers = new ArrayList<>();
            for (int i = 1; i <= NODES; i++) {
                peers.add("cache_peer " + NetworkNamespaces.address(i) + " parent 3128 3130 no-digest no-netdb-exchange name=node" + i);
            }
            peers.add("cache deny all"); // a hit can only be a node's
            SquidProcess squid = processes.add(SquidProcess.startRoutingByIcp(directory,
                    InetAddress.getByName(NetworkNamespaces.ROOT_ADDRESS), peers));
            HttpClient throughSquid = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(ProxySelector.of(squid.httpAddress())).connectTimeout(Duration.ofSeconds(5)).build();
            // Squid asks a parent by ICP once a TCP probe has found it up.
            AtomicLong probe = new AtomicLong();
            await("Squid routing by ICP").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                String probeUrl = "http://" + ORIGIN + "/objects/probe" + probe.incrementAndGet();
                get(throughSquid, probeUrl);
                return squid.accessLog().stream().anyMatch(line -> line.contains(probeUrl + " ") && line.contains("PARENT_HIT/"));
            });

            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < URLS; i++) {
                    HttpResponse<byte[]> response = get(throughSquid, url(i));
                    assertEquals(200, response.statusCode(), url(i));
                    assertTrue(Arrays.equals(body(path(i)), response.body()), url(i) + ": the origin's body");
                }
            }
            try (IcpClient icp = IcpClient.open(new InetSocketAddress(NetworkNamespaces.ROOT_ADDRESS, 0))) {
                assertEquals(List.of(), disagreements(icp, URLS, NetworkSplitProcessesTest::url), "one HIT per URL before the cuts");
                Clients clients = processes.add(new Clients(throughSquid));
                clients.start();
                StringBuilder results = new StringBuilder();
                List<String> problems = new ArrayList<>();
                int[] cuts = {FIRST_CUT, 0};
                results.append(cutAndHeal(cuts[0], namespaces, processes, pids[cuts[0]], direct, icp, clients, problems));
                cuts[1] = oldest(clusterPage(direct, cuts[0]));
                results.append(cutAndHeal(cuts[1], namespaces, processes, pids[cuts[1]], direct, icp, clients, problems));
                clients.stop();

                for (int i = 0; i < URLS; i++) {
                    HttpResponse<byte[]> response = get(throughSquid, url(i));
                    assertEquals(200, response.statusCode(), url(i) + " after the heals");
                    assertTrue(Arrays.equals(body(path(i)), response.body()), url(i) + ": the origin's body after the heals");
                }
                int[] copies = stored();
                results.append("requests through Squid: ").append(clients.counts).append(", failed ")
                        .append(clients.failures.size()).append(", not sent (").append(IN_FLIGHT).append(" unanswered) ")
                        .append(clients.skipped.get()).append(", slowest ").append(clients.slowestMillis.get()).append(" ms\n")
                        .append("answered by (node's X-Cache, or direct): ").append(clients.servedBy).append('\n')
                        .append("Squid's hierarchy codes: ").append(hierarchies(squid, clients)).append('\n')
                        .append("slowest in Squid's log: ").append(slowest(squid)).append('\n')
                        .append("copies held at the end: ").append(copies[1]).append(" URLs on one node, ").append(copies[2])
                        .append(" on two, ").append(copies[3]).append(" on three, ").append(copies[0]).append(" wrong\n")
                        .append("origin requests: ").append(originRequests()).append(" for ").append(URLS).append(" URLs (")
                        .append(URLS).append(" in the warm-up)\n");
                Files.writeString(directory.resolve("netsplit-result.txt"), results);
                System.out.print(results);

                assertEquals(List.of(), problems);
                assertTrue(clients.failures.isEmpty(), clients.failures.size() + " requests failed: "
                        + clients.failures.subList(0, Math.min(10, clients.failures.size())));
                for (int cut : cuts) {
                    assertTrue(clients.counts.getOrDefault("cut node" + cut, 0) > 40,
                            "the clients kept asking while node" + cut + " was cut off: " + clients.counts);
                }
                assertEquals(0, copies[0], "a copy that is not the origin's body");
            }
        }
    }

    /**
     * Cuts node {@code cut} off, waits until both sides have seen it and 8 s more, heals it, and
     * waits until the cluster is one again and ownership agrees; the figures, and what went
     * wrong into {@code problems}.
     */
    private static String cutAndHeal(int cut, NetworkNamespaces namespaces, Processes processes, long pid, HttpClient direct,
            IcpClient icp, Clients clients, List<String> problems) throws Exception {
        long baseFds = descriptors(pid);
        long baseThreads = threads(pid);
        Map<String, Integer> baseNames = threadNames(pid);
        clients.phase("cut node" + cut);
        long start = System.nanoTime();
        namespaces.cut(cut);
        await("the others see node" + cut + " gone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    for (int i = 1; i <= NODES; i++) {
                        if (i != cut && members(clusterPage(direct, i)) != NODES - 1) {
                            return false;
                        }
                    }
                    return true;
                });
        long detected = millisSince(start);
        await("node" + cut + " sees itself alone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> members(insidePage(namespaces, cut)) == 1);
        long detectedInside = millisSince(start);
        // Cut for a while after both sides have seen it: Squid gives up on the cut parent, and
        // the others serve its URLs.
        await().pollDelay(Duration.ofSeconds(8)).until(() -> true);
        clients.phase("healing node" + cut);
        long cutMillis = millisSince(start);
        long heal = System.nanoTime();
        namespaces.heal(cut);
        await("one cluster of three again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            processes.assertAlive();
            for (int i = 1; i <= NODES; i++) {
                String page = clusterPage(direct, i);
                if (members(page) != NODES || page.contains("warming up")) {
                    return false;
                }
            }
            return true;
        });
        long merged = millisSince(heal);
        List<String> disagreeing = new ArrayList<>();
        long agreed = -1;
        try {
            await("ownership agreed again: one HIT per URL").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        disagreeing.clear();
                        disagreeing.addAll(disagreements(icp, URLS, NetworkSplitProcessesTest::url));
                        return disagreeing.isEmpty();
                    });
            agreed = millisSince(heal);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            problems.add("node" + cut + ": " + disagreeing.size() + " URLs held in the cluster without exactly one HIT 30 s"
                    + " after the merge: " + patterns(disagreeing) + ", " + disagreeing.subList(0, Math.min(5, disagreeing.size())));
        }
        // URLs no node has seen: each placed on one member, as every node's table says.
        List<String> unseen = disagreements(icp, URLS, i -> "http://" + ORIGIN + "/objects/new" + cut + "-" + i + "?size=" + SIZE);
        if (!unseen.isEmpty()) {
            problems.add("node" + cut + ": " + unseen.size() + " URLs never asked for without exactly one HIT: " + patterns(unseen));
        }
        clients.phase("healed node" + cut);
        await().pollDelay(Duration.ofSeconds(4)).until(() -> true);
        long[] after = new long[2];
        try {
            await("node" + cut + "'s descriptors and threads back near their baseline").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        after[0] = descriptors(pid);
                        after[1] = threads(pid);
                        // The merge starts a few threads in Hazelcast's own pools (2 to 13 seen).
                        return after[0] <= baseFds + 16 && after[1] <= baseThreads + 16;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            problems.add("node" + cut + "'s descriptors " + baseFds + " -> " + after[0] + ", threads " + baseThreads + " -> "
                    + after[1]);
        }
        return "cut node" + cut + " for " + cutMillis + " ms; the others saw it gone after " + detected
                + " ms, it saw itself alone after " + detectedInside + " ms\n"
                + "healed: one cluster of three after " + merged + " ms, one HIT per URL after " + agreed + " ms\n"
                + "node" + cut + " descriptors " + baseFds + " -> " + after[0] + ", threads " + baseThreads + " -> "
                + after[1] + " (more: " + more(threadNames(pid), baseNames) + ")\n";
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private ProcessBuilder node(NetworkNamespaces namespaces, int i) throws IOException {
        String address = NetworkNamespaces.address(i);
        List<String> members = new ArrayList<>();
        for (int m = 1; m <= NODES; m++) {
            members.add("\"" + NetworkNamespaces.address(m) + ":5701\"");
        }
        Path conf = directory.resolve("node" + i + ".conf");
        Files.writeString(conf, """
                node.name = node%1$d
                http.listen = ["%2$s:3128"]
                admin.listen = ["%2$s:3131"]
                icp.listen = ["%2$s:3130"]
                http.allow = ["10.213.0.0/24", "127.0.0.0/8"]
                http.purge-allow = ["10.213.0.0/24", "127.0.0.0/8"]
                http.access-log = "%3$s"
                icp.policies."10-acl".allow = ["10.213.0.0/24", "127.0.0.0/8"]
                cache.memory = 64m
                cluster { enabled = true, name = netsplit, listen = "%2$s:5701", members = [%4$s], drain-timeout = 2s }
                """.formatted(i, address, directory.resolve("node" + i + "-access.log"), String.join(", ", members)));
        ProcessBuilder builder = new ProcessBuilder(namespaces.inside(i, List.of(LocalCluster.TOP.resolve("bin/sibyl").toString(),
                "node", "--config", conf.toString())))
                .redirectErrorStream(true).redirectOutput(directory.resolve("node" + i + ".log").toFile());
        builder.environment().put("SIBYL_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("JAVA_OPTS", JAVA_OPTS);
        return builder;
    }

    private static String clusterPage(HttpClient direct, int i) {
        try {
            HttpResponse<String> page = direct.send(HttpRequest.newBuilder(URI.create("http://"
                    + NetworkNamespaces.address(i) + ":3128/squid-internal-mgr/cluster")).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return page.statusCode() == 200 ? page.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Node {@code i}'s cluster page read from inside its namespace (while it is cut off). */
    private static String insidePage(NetworkNamespaces namespaces, int i) {
        try {
            return NetworkNamespaces.run(namespaces.inside(i, List.of("curl", "-s", "-m", "3", "http://"
                    + NetworkNamespaces.address(i) + ":3128/squid-internal-mgr/cluster")).toArray(String[]::new));
        } catch (IOException e) {
            return "";
        }
    }

    /** The oldest member a cluster page lists (its first): Hazelcast's master. */
    private static int oldest(String page) {
        Matcher matcher = Pattern.compile("(?m)^[ *] +node(\\d) ").matcher(page);
        if (!matcher.find()) {
            throw new AssertionError("no member in the cluster page:\n" + page);
        }
        return Integer.parseInt(matcher.group(1));
    }

    private static int members(String page) {
        Matcher matcher = MEMBERS.matcher(page);
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    private static HttpResponse<byte[]> get(HttpClient client, String url) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String xCache(HttpResponse<?> response) {
        return String.join(",", response.headers().allValues("X-Cache"));
    }

    /** Those of {@code count} URLs not answered HIT over ICP by exactly one node, with the nodes that did. */
    private static List<String> disagreements(IcpClient icp, int count, java.util.function.IntFunction<String> urls) {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String url = urls.apply(i);
            List<Integer> hits = new ArrayList<>();
            for (int n = 1; n <= NODES; n++) {
                InetSocketAddress node = new InetSocketAddress(NetworkNamespaces.address(n), 3130);
                try {
                    if (icp.query(node, url, Duration.ofSeconds(2)).join().message().opcode() == IcpOpcode.HIT) {
                        hits.add(n);
                    }
                } catch (RuntimeException e) {
                    hits.add(-n); // no answer
                }
            }
            if (hits.size() != 1 || hits.get(0) < 0) {
                wrong.add(URI.create(url).getPath() + " HIT from " + hits);
            }
        }
        return wrong;
    }

    /** How many URLs were answered HIT by which nodes ("[2, 3]=14"). */
    private static Map<String, Integer> patterns(List<String> disagreements) {
        Map<String, Integer> patterns = new TreeMap<>();
        disagreements.forEach(line -> patterns.merge(line.substring(line.indexOf(" HIT from ") + 10), 1, Integer::sum));
        return patterns;
    }

    /**
     * Asks each node for each URL with {@code only-if-cached} (a node then answers from its cache
     * or 504, never its origin or a peer): [0] copies that are not the origin's body, [k] the
     * URLs held by k nodes.
     */
    private static int[] stored() throws IOException, InterruptedException {
        int[] copies = new int[NODES + 1];
        List<HttpClient> nodes = new ArrayList<>();
        for (int n = 1; n <= NODES; n++) {
            nodes.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(ProxySelector.of(new InetSocketAddress(NetworkNamespaces.address(n), 3128)))
                    .connectTimeout(Duration.ofSeconds(5)).build());
        }
        for (int i = 0; i < URLS; i++) {
            int holders = 0;
            for (HttpClient node : nodes) {
                HttpResponse<byte[]> response = node.send(HttpRequest.newBuilder(URI.create(url(i)))
                        .header("Cache-Control", "only-if-cached").timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() == 200) {
                    holders++;
                    if (!Arrays.equals(body(path(i)), response.body())) {
                        copies[0]++;
                    }
                } else if (response.statusCode() != 504) {
                    copies[0]++;
                }
            }
            copies[holders]++;
        }
        return copies;
    }

    private static long descriptors(long pid) throws IOException {
        try (var files = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return files.count();
        }
    }

    private static long threads(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Long.parseLong(line.substring("Threads:".length()).strip());
            }
        }
        return -1;
    }

    /** The process's threads by name (Linux keeps 15 characters of it), with how many share it. */
    private static Map<String, Integer> threadNames(long pid) throws IOException {
        Map<String, Integer> names = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    names.merge(Files.readString(task.resolve("comm")).strip().replaceAll("\\d+$", "#"), 1, Integer::sum);
                } catch (IOException e) {
                    // ended meanwhile
                }
            }
        }
        return names;
    }

    /** The names of which {@code now} has more threads than {@code before}, with how many more. */
    private static Map<String, Integer> more(Map<String, Integer> now, Map<String, Integer> before) {
        Map<String, Integer> more = new TreeMap<>();
        now.forEach((name, count) -> {
            if (count > before.getOrDefault(name, 0)) {
                more.put(name, count - before.getOrDefault(name, 0));
            }
        });
        return more;
    }

    private int originRequests() throws IOException {
        int count = 0;
        for (String line : Files.readAllLines(directory.resolve("origin.log"))) {
            if (line.contains("\"GET /objects/s")) {
                count++;
            }
        }
        return count;
    }

    /** Squid's access.log lines of the test's URLs that took over 2 s, slowest first, five at most. */
    private static List<String> slowest(SquidProcess squid) throws IOException {
        return squid.accessLog().stream().filter(line -> line.contains("/objects/s"))
                .filter(line -> Long.parseLong(line.split("\\s+")[1]) > 2000)
                .sorted(java.util.Comparator.comparingLong(line -> -Long.parseLong(line.split("\\s+")[1])))
                .limit(5).toList();
    }

    /** Squid's hierarchy codes (DIRECT, PARENT_HIT/node, ...) per phase, from its access.log. */
    private static Map<String, Map<String, Integer>> hierarchies(SquidProcess squid, Clients clients) throws IOException {
        Map<String, Map<String, Integer>> byPhase = new TreeMap<>();
        for (String line : squid.accessLog()) {
            String[] fields = line.split("\\s+");
            if (fields.length > 8 && fields[6].startsWith("http://" + ORIGIN + "/objects/s")) {
                long at = (long) (Double.parseDouble(fields[0]) * 1000);
                String phase = clients.phaseAt(at);
                if (phase != null) {
                    String code = fields[8].replaceAll("10\\.213\\.0\\.1(\\d)$", "node$1");
                    byPhase.computeIfAbsent(phase, p -> new TreeMap<>()).merge(code, 1, Integer::sum);
                }
            }
        }
        return byPhase;
    }

    /**
     * Requests to Squid for random URLs of the set, {@link #RATE} a second whether or not the
     * earlier ones were answered (a request stuck on a cut node holds up no other), at most
     * {@link #IN_FLIGHT} at once.
     */
    private static final class Clients implements AutoCloseable {
        private final HttpClient squid;
        private final java.util.concurrent.ScheduledExecutorService sender = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "netsplit-clients");
                    thread.setDaemon(true);
                    return thread;
                });
        private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(IN_FLIGHT);
        private final Random random = new Random(2186);
        private volatile String phase = "before";
        private final List<long[]> phaseStarts = Collections.synchronizedList(new ArrayList<>());
        private final List<String> phaseNames = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Integer> counts = new ConcurrentHashMap<>();
        final Map<String, Map<String, Integer>> servedBy = new ConcurrentHashMap<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong slowestMillis = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();

        Clients(HttpClient squid) {
            this.squid = squid;
        }

        void phase(String name) {
            phaseStarts.add(new long[] {System.currentTimeMillis()});
            phaseNames.add(name);
            phase = name;
        }

        /** The phase a request that ended at {@code millis} (epoch) was sent in, about. */
        String phaseAt(long millis) {
            String found = null;
            synchronized (phaseStarts) {
                for (int i = 0; i < phaseStarts.size(); i++) {
                    if (phaseStarts.get(i)[0] <= millis) {
                        found = phaseNames.get(i);
                    }
                }
            }
            return found;
        }

        void start() {
            sender.scheduleAtFixedRate(this::send, 0, TimeUnit.SECONDS.toMicros(1) / RATE, TimeUnit.MICROSECONDS);
        }

        private void send() {
            if (!inFlight.tryAcquire()) {
                skipped.incrementAndGet();
                return;
            }
            String sentIn = phase;
            int i = random.nextInt(URLS);
            long start = System.nanoTime();
            squid.sendAsync(HttpRequest.newBuilder(URI.create(url(i))).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, failure) -> {
                        if (failure != null) {
                            failures.add(sentIn + " " + url(i) + ": " + failure);
                        } else {
                            if (response.statusCode() != 200 || !Arrays.equals(body(path(i)), response.body())) {
                                failures.add(sentIn + " " + url(i) + ": " + response.statusCode() + ", "
                                        + response.body().length + " bytes, " + xCache(response));
                            }
                            Matcher node = NODE.matcher(xCache(response));
                            String by = node.find() ? node.group(2) + " " + node.group(1) : "direct";
                            servedBy.computeIfAbsent(sentIn, p -> new ConcurrentHashMap<>()).merge(by, 1, Integer::sum);
                        }
                        counts.merge(sentIn, 1, Integer::sum);
                        slowestMillis.accumulateAndGet(millisSince(start), Math::max);
                        inFlight.release();
                    });
        }

        /** Stops sending, and waits (60 s at most) for the answers still due. */
        void stop() throws InterruptedException {
            sender.shutdownNow();
            if (inFlight.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS)) {
                inFlight.release(IN_FLIGHT);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    /**
     * What the test started, stopped at the end: the clients and Squid first, then the
     * processes by pid, the nodes before the origin.
     */
    private static final class Processes implements AutoCloseable {
        private final List<Process> started = new ArrayList<>();
        private final List<AutoCloseable> others = new ArrayList<>();

        Process start(ProcessBuilder builder) throws IOException {
            Process process = builder.start();
            started.add(process);
            return process;
        }

        <T extends AutoCloseable> T add(T other) {
            others.add(other);
            return other;
        }

        void assertAlive() {
            for (Process process : started) {
                if (!process.isAlive()) {
                    throw new AssertionError(process.info().commandLine().orElse("a process") + " exited "
                            + process.exitValue());
                }
            }
        }

        @Override
        public void close() throws Exception {
            for (int i = others.size() - 1; i >= 0; i--) {
                others.get(i).close();
            }
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).destroy(); // SIGTERM: a node drains, briefly (drain-timeout = 2s)
            }
            for (int i = started.size() - 1; i >= 0; i--) {
                if (!started.get(i).waitFor(30, TimeUnit.SECONDS)) {
                    started.get(i).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
