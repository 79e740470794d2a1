package sibyl.node;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bin/cluster-local as a test runs it: Debian's Squid in front of node processes on
 * 127.0.0.11.., the small origin on 127.0.0.20:8080; nodes stopped, restarted or added by the
 * test, each a process of its own, stopped by pid at the end.
 */
final class LocalCluster implements AutoCloseable {
    static final Path TOP = Path.of(System.getProperty("user.dir")).getParent();
    private static final String JAVA_OPTS = "-Xmx192m -XX:MaxDirectMemorySize=448m";
    final Path directory;
    private final Process script;
    private final int nodes;
    private final List<Process> extra = new ArrayList<>();
    final HttpClient squid;

    /** Starts {@code nodes} nodes and Squid, with {@code squidDirectives} added to its configuration. */
    LocalCluster(Path directory, int nodes, String... squidDirectives) throws IOException {
        this.directory = directory;
        this.nodes = nodes;
        List<String> command = new ArrayList<>(List.of(TOP.resolve("bin/cluster-local").toString(), "--dir",
                directory.toString(), "--nodes", String.valueOf(nodes)));
        for (String directive : squidDirectives) {
            command.add("--squid-directive");
            command.add(directive);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("cluster-local.out").toFile());
        environment(builder);
        script = builder.start();
        await("bin/cluster-local ready").atMost(Duration.ofSeconds(120)).until(() -> {
            if (!script.isAlive()) {
                throw new AssertionError("bin/cluster-local exited:\n" + Files.readString(directory.resolve("cluster-local.out")));
            }
            return Files.exists(directory.resolve("ready"));
        });
        squid = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.10", 3128)))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static void environment(ProcessBuilder builder) {
        builder.environment().put("SIBYL_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("JAVA_OPTS", JAVA_OPTS);
    }

    /** Node {@code i}'s process id, as its pid file says. */
    long pid(int i) throws IOException {
        return Long.parseLong(Files.readString(directory.resolve("node" + i + ".pid")).strip());
    }

    /** Sends node {@code i} a signal (TERM to drain and stop, KILL to crash). */
    void signal(int i, String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(pid(i))).start().waitFor(5, TimeUnit.SECONDS);
    }

    /** Waits until node {@code i}'s process has exited. */
    void awaitExit(int i, Duration within) throws IOException {
        long pid = pid(i);
        await("node" + i + " exits").atMost(within).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    /**
     * Starts node {@code i} (again, or a new one beyond those the script started) with the
     * cluster's members list, and waits until it is warm and every node sees {@code members}.
     */
    void startNode(int i, int members) throws IOException {
        Path conf = directory.resolve("node" + i + ".conf");
        if (!Files.exists(conf)) {
            String address = "127.0.0." + (10 + i);
            StringBuilder list = new StringBuilder();
            for (int m = 1; m <= Math.max(nodes, i); m++) {
                list.append(m == 1 ? "" : ", ").append("\"127.0.0.").append(10 + m).append(":5701\"");
            }
            Files.writeString(conf, "node.name = node" + i + "\nhttp.listen = [\"" + address + ":3128\"]\nadmin.listen = [\"" + address + ":3131\"]\n"
                    + "icp.listen = [\"" + address + ":3130\"]\nhttp.access-log = \"" + directory.resolve("node" + i
                    + "-access.log") + "\"\ncluster { enabled = true, name = local, listen = \"" + address + ":5701\", members = ["
                    + list + "] }\n");
        }
        ProcessBuilder builder = new ProcessBuilder(TOP.resolve("bin/sibyl").toString(), "node", "--config", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("node" + i + ".log").toFile()));
        environment(builder);
        Process process = builder.start();
        extra.add(process);
        Files.writeString(directory.resolve("node" + i + ".pid"), process.pid() + "\n");
        await("node" + i + " up, warm and in a cluster of " + members).atMost(Duration.ofSeconds(90)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("node" + i + " exited: see " + directory.resolve("node" + i + ".log"));
            }
            return warmCluster(i, members);
        });
    }

    /** Whether node {@code i}'s cluster page lists {@code members} members, none warming up. */
    boolean warmCluster(int i, int members) {
        try {
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0." + (10 + i) + ":3128/squid-internal-mgr/cluster"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return page.statusCode() == 200 && page.body().startsWith("cluster local: " + members + " member")
                    && !page.body().contains("warming up");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A GET through Squid. */
    HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
        return squid.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The origin's requests so far, per path ("GET /objects/u1?size=2000 HTTP/1.1" lines). */
    Map<String, Integer> originRequests() throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        Pattern request = Pattern.compile("\"GET (\\S+) HTTP/1\\.1\"");
        for (String line : Files.readAllLines(directory.resolve("origin.log"))) {
            Matcher matcher = request.matcher(line);
            if (matcher.find()) {
                counts.merge(matcher.group(1), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : extra) {
            process.destroy(); // SIGTERM: drains
        }
        for (Process process : extra) {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        script.destroy(); // SIGTERM: the script stops what it started, nodes draining
        if (!script.waitFor(60, TimeUnit.SECONDS)) {
            script.destroyForcibly();
        }
    }
}
