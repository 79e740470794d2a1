package sibyl.node.warmup;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.config.HttpSettings;
import sibyl.config.IcpSettings;
import sibyl.config.WarmUpSettings;
import sibyl.icp.client.IcpLoadGenerator;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.builtin.Cidr;
import sibyl.icp.server.IcpServer;
import sibyl.node.cache.CacheIndex;
import sibyl.node.cache.CacheKey;

/**
 * Runs a node's hot paths before it serves, so that Squid never waits on a cold JVM: the first
 * queries a JVM answers run interpreted and load classes, a hundred times slower than once the
 * JIT has compiled them, past Squid's ICP timeout. It serves itself cache hits through a proxy
 * of its own on a loopback port (the node's code, cache and store, but not its access log or
 * counters), from a loopback origin of its own whose objects it then forgets, and answers ICP
 * queries on a loopback port of its own with the node's policy chain (its cluster lookups
 * included). Nothing of it stays but the bodies it placed, in the store's counters.
 */
public final class WarmUp {
    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
    /** Objects requested again and again, of sizes from 1 KiB to 64 KiB: hits. */
    private static final int OBJECTS = 64;
    /** One request in this many is for a URL not asked before: a miss. */
    private static final int MISS_EVERY = 8;
    /** Requests on one connection before it is closed and another opened. */
    private static final int PER_CONNECTION = 4;

    /** What a warm-up did. */
    public record Result(Duration took, long httpHits, long icpAnswers, String shortfall) {}

    private final WarmUpSettings settings;
    private final IcpSettings icp;
    private final PolicyChain chain;
    private final CacheIndex index;

    public WarmUp(WarmUpSettings settings, IcpSettings icp, PolicyChain chain, CacheIndex index) {
        this.settings = settings;
        this.icp = icp;
        this.chain = chain;
        this.index = index;
    }

    /**
     * The settings of the warm-up's own proxy: the node's, on a loopback port, open to loopback
     * only, without access log, rules or accelerator map.
     */
    public static HttpSettings proxySettings(HttpSettings node) {
        return new HttpSettings(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), node.threads(),
                node.nativeTransport(), List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")), List.of(), Map.of(),
                Optional.empty(), Optional.empty(), node.rulesReloadInterval(), Optional.empty(), node.limits(), List.of());
    }

    /** Warms up through the proxy listening at {@code http}; never fails the node (a shortfall is logged). */
    public Result run(InetSocketAddress http) throws InterruptedException {
        long start = System.nanoTime();
        List<String> shortfalls = new ArrayList<>();
        long hits = 0;
        long answers = 0;
        WarmUpOrigin origin = null;
        List<String> urls = new ArrayList<>();
        try {
            origin = new WarmUpOrigin();
            String base = "http://127.0.0.1:" + origin.port() + WarmUpOrigin.PATH;
            for (int i = 0; i < OBJECTS; i++) {
                urls.add(base + (i % 7) + "/" + i);
            }
            if (settings.httpRequests() > 0) {
                hits = serve(http, base, urls, settings.httpRequests());
                if (hits < settings.httpRequests()) {
                    shortfalls.add("HTTP: " + hits + " of " + settings.httpRequests() + " requests answered 200");
                }
            }
            if (settings.icpQueries() > 0) {
                answers = answerQueries(urls.subList(0, OBJECTS), settings.icpQueries());
            }
        } catch (IOException | RuntimeException e) {
            shortfalls.add(e.toString());
        } finally {
            if (origin != null) {
                origin.close();
            }
            for (String url : urls) {
                index.invalidate(CacheKey.of(url));
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return new Result(took, hits, answers, String.join("; ", shortfalls));
    }

    /**
     * Requests {@code urls} round and round, as Squid's parent connections do: a new
     * connection every {@value #PER_CONNECTION} requests, and one request in
     * {@value #MISS_EVERY} for a URL not asked before (a miss: fetched, stored, later evicted or
     * forgotten), each added to {@code urls}. Returns the 200s answered.
     */
    private static long serve(InetSocketAddress proxy, String base, List<String> urls, int requests) throws IOException {
        InetSocketAddress target = proxy.getAddress().isAnyLocalAddress()
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.getPort()) : proxy;
        String host = base.substring("http://".length(), base.indexOf('/', "http://".length()));
        long ok = 0;
        Socket socket = null;
        InputStream in = null;
        try {
            for (int i = 0; i < requests; i++) {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(target, 5_000);
                    socket.setSoTimeout(10_000);
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream(), 65_536);
                }
                String url;
                if (i % MISS_EVERY == MISS_EVERY - 1) {
                    url = base + (i % 7) + "/miss-" + i;
                    urls.add(url);
                } else {
                    url = urls.get(i % OBJECTS);
                }
                boolean last = i % PER_CONNECTION == PER_CONNECTION - 1;
                socket.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\n"
                        + (last ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                int status = readResponse(in);
                if (status == 200) {
                    ok++;
                } else if (i >= OBJECTS) {
                    break; // refused (an ACL) or failing: no point in going on
                }
                if (last) {
                    socket.close();
                    socket = null;
                }
            }
        } finally {
            if (socket != null) {
                socket.close();
            }
        }
        return ok;
    }

    /** Reads one response with a Content-Length body; its status. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] words = statusLine.split(" ");
        if (words.length < 2) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        long length = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(header.substring("content-length:".length()).strip());
            }
        }
        if (length < 0) {
            throw new IOException("a response without Content-Length: " + statusLine);
        }
        in.skipNBytes(length);
        return Integer.parseInt(words[1]);
    }

    private static String line(InputStream in) throws IOException {
        String line = WarmUpOrigin.line(in);
        if (line == null) {
            throw new IOException("the proxy closed the connection");
        }
        return line;
    }

    /** Answers {@code queries} ICP queries on a loopback port of its own; the replies received. */
    private long answerQueries(List<String> held, int queries) throws InterruptedException {
        List<String> urls = new ArrayList<>(held);
        for (int i = 0; i < 256; i++) {
            urls.add("http://warm-up.invalid/objects/" + i + "?size=" + (i * 1021));
        }
        IcpServer server;
        try {
            server = IcpServer.start(new IcpServer.Options(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                    icp.threads(), icp.receiveBufferBytes(), icp.nativeTransport()), chain);
        } catch (BindException e) {
            throw new IllegalStateException("no loopback port for the ICP warm-up: " + e.getMessage(), e);
        }
        try {
            return IcpLoadGenerator.run(server.addresses().get(0), urls, queries, 16, Duration.ofSeconds(1)).answered();
        } finally {
            server.close();
        }
    }

    /** Logs what {@code result} did. */
    public static void log(String node, Result result) {
        if (result.shortfall().isEmpty()) {
            log.info("node {}: warmed up in {} ms: {} cache hits served, {} ICP queries answered", node,
                    result.took().toMillis(), result.httpHits(), result.icpAnswers());
        } else {
            log.warn("node {}: warmed up in {} ms: {} cache hits served, {} ICP queries answered; short of the"
                    + " warm-up settings: {}", node, result.took().toMillis(), result.httpHits(), result.icpAnswers(),
                    result.shortfall());
        }
    }
}
