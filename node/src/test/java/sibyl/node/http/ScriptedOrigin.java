package sibyl.node.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin for the proxy's tests: a JDK HTTP server on 127.0.0.1 whose paths each answer as a
 * test says, counting the requests each path got and keeping their headers.
 */
final class ScriptedOrigin implements AutoCloseable {
    /** How one path answers. */
    interface Script {
        void answer(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, List<Headers>> requests = new ConcurrentHashMap<>();
    private final Map<String, List<String>> methods = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();

    ScriptedOrigin() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "scripted-origin");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    /** Answers {@code path} (exactly, query included) with {@code script}. */
    ScriptedOrigin on(String path, Script script) {
        server.createContext(path, exchange -> {
            String key = exchange.getRequestURI().toString();
            counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            requests.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(exchange.getRequestHeaders());
            methods.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(exchange.getRequestMethod());
            try (exchange) {
                script.answer(exchange);
            } finally {
                completed.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            }
        });
        return this;
    }

    /** A fixed body with the given headers (name, value, name, value...), as Content-Length. */
    static Script body(int status, String body, String... headers) {
        return exchange -> {
            addHeaders(exchange, headers);
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head || status == 304 ? -1 : bytes.length == 0 ? -1 : bytes.length);
            if (!head && status != 304) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        };
    }

    /** Binary {@code body} as Content-Length, with the given headers (name, value, ...). */
    static Script bytes(byte[] body, String... headers) {
        return exchange -> {
            addHeaders(exchange, headers);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            if (body.length == 0) {
                exchange.sendResponseHeaders(200, -1); // the JDK's "no body": Content-length: 0
                return;
            }
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        };
    }

    /**
     * A body of {@code length} bytes made as it is sent, 64 KiB at a time, counting into
     * {@code sent} the bytes the connection took, until the peer closes it. HEAD gets the head
     * alone; a {@code Range: bytes=first-last} request gets that range as a 206; an
     * {@code If-None-Match} naming the ETag among {@code headers}, a 304.
     */
    static Script large(long length, java.util.concurrent.atomic.AtomicLong sent, String... headers) {
        return exchange -> {
            addHeaders(exchange, headers);
            String etag = exchange.getResponseHeaders().getFirst("ETag");
            if (etag != null && etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            String range = exchange.getRequestHeaders().getFirst("Range");
            long first = 0;
            long count = length;
            int status = 200;
            if (range != null && range.matches("bytes=\\d+-\\d+")) {
                String[] bounds = range.substring(6).split("-");
                first = Long.parseLong(bounds[0]);
                count = Math.min(length - 1, Long.parseLong(bounds[1])) - first + 1;
                status = 206;
                exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + (first + count - 1) + "/" + length);
            }
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", String.valueOf(count));
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, count);
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                for (long left = count; left > 0; ) {
                    int n = (int) Math.min(chunk.length, left);
                    out.write(chunk, 0, n);
                    out.flush();
                    sent.addAndGet(n);
                    left -= n;
                }
            } catch (IOException closedByThePeer) {
                // what the test is about: the peer stopped reading
            }
        };
    }

    /** Adds {@code headers} (name, value, name, value...) to the response. */
    private static void addHeaders(HttpExchange exchange, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
        }
    }

    /** Requests {@code pathAndQuery} got. */
    int count(String pathAndQuery) {
        AtomicInteger count = counts.get(pathAndQuery);
        return count == null ? 0 : count.get();
    }

    /** Requests {@code pathAndQuery} got whose script has returned (its response written, or given up). */
    int completed(String pathAndQuery) {
        AtomicInteger count = completed.get(pathAndQuery);
        return count == null ? 0 : count.get();
    }

    /** The headers of every request {@code pathAndQuery} got, in order. */
    List<Headers> requests(String pathAndQuery) {
        return requests.getOrDefault(pathAndQuery, List.of());
    }

    /** The method of every request {@code pathAndQuery} got, in order. */
    List<String> methods(String pathAndQuery) {
        return methods.getOrDefault(pathAndQuery, List.of());
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The absolute URL of {@code path} on this origin. */
    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
