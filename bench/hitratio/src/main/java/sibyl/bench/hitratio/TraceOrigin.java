package sibyl.bench.hitratio;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The origin a trace is replayed from over HTTP: {@code GET /o/ID/SIZE} answers SIZE bytes, fresh
 * for a day; every request it answers is counted, so that a request the origin did not see was a
 * hit, whatever the cache in front says about itself.
 */
final class TraceOrigin implements AutoCloseable {
    private static final byte[] BODY = new byte[1 << 20];

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4, runnable -> {
        Thread thread = new Thread(runnable, "trace-origin");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong requests = new AtomicLong();

    TraceOrigin(InetSocketAddress address) throws IOException {
        // Headers and body are written apart: without TCP_NODELAY, Nagle's algorithm and the
        // cache's delayed ACK hold each response back 40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(address, 128);
        server.setExecutor(threads);
        server.createContext("/o/", this::answer);
        server.start();
    }

    /** Requests answered so far. */
    long requests() {
        return requests.get();
    }

    static String path(long id, long size) {
        return "/o/" + id + "/" + size;
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String[] parts = exchange.getRequestURI().getPath().split("/");
            long size;
            try {
                size = Long.parseLong(parts[parts.length - 1]);
            } catch (NumberFormatException e) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().add("Cache-Control", "max-age=86400");
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, size);
            try (OutputStream out = exchange.getResponseBody()) {
                for (long left = size; left > 0; left -= BODY.length) {
                    out.write(BODY, 0, (int) Math.min(BODY.length, left));
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
