package sibyl.node.soak;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak's origin: a small, fast HTTP/1.1 server on a loopback address serving
 * {@code /o/ID} from {@link SoakObjects}, with each object's Cache-Control, an ETag and a
 * Last-Modified (so revalidations happen and get 304), {@code Vary: Accept-Encoding} on some,
 * one byte range when asked, and HEAD. Thread per connection: the node opens few.
 */
final class SoakOrigin implements AutoCloseable {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final SoakObjects objects;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "soak-origin");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final LongAdder requests = new LongAdder();
    final LongAdder notModified = new LongAdder();
    final LongAdder ranges = new LongAdder();

    SoakOrigin(InetAddress address, SoakObjects objects) throws IOException {
        this.objects = objects;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0), 512);
        threads.execute(this::accept);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** The absolute URL of object {@code id} at this origin, {@code suffix} appended. */
    String url(int id, String suffix) {
        return "http://" + address().getAddress().getHostAddress() + ":" + address().getPort() + "/o/" + id + suffix;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
            while (true) {
                String line = line(in);
                if (line == null) {
                    return;
                }
                if (line.isEmpty()) {
                    continue;
                }
                Map<String, String> headers = new HashMap<>();
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    int colon = header.indexOf(':');
                    if (colon > 0) {
                        headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
                    }
                }
                requests.increment();
                boolean close = answer(line, headers, out);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the node closed or reset the connection: what it may do
        } finally {
            open.remove(socket);
        }
    }

    /** Answers one request; whether to close the connection after it. */
    private boolean answer(String requestLine, Map<String, String> headers, OutputStream out) throws IOException {
        String[] parts = requestLine.split(" ");
        boolean close = "close".equalsIgnoreCase(headers.get("connection")) || parts.length < 3 || !parts[2].equals("HTTP/1.1");
        String target = parts.length > 1 ? parts[1] : "";
        if (target.startsWith("http://")) {
            int slash = target.indexOf('/', 7);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        int id = SoakObjects.idOf(target);
        boolean head = parts[0].equals("HEAD");
        if (id < 0 || id >= objects.count() || !(head || parts[0].equals("GET"))) {
            byte[] body = "no such object\n".getBytes(StandardCharsets.US_ASCII);
            head(out, "404 Not Found", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n", close);
            out.write(body);
            return close;
        }
        SoakObjects.SoakObject object = objects.get(id);
        long now = SoakObjects.epochSecond();
        long version = object.version(now);
        int variant = 0;
        StringBuilder common = new StringBuilder();
        if (object.kind() == SoakObjects.Kind.VARY) {
            variant = SoakObjects.ENCODINGS.indexOf(headers.getOrDefault("accept-encoding", "identity"));
            variant = variant < 0 ? SoakObjects.ENCODINGS.size() - 1 : variant;
            common.append("Vary: Accept-Encoding\r\n");
        }
        String etag = SoakObjects.etag(id, version, variant);
        long modified = object.modified(now);
        common.append("Cache-Control: ").append(object.cacheControl()).append("\r\n")
                .append("ETag: ").append(etag).append("\r\n")
                .append("Last-Modified: ").append(HTTP_DATE.format(Instant.ofEpochSecond(modified))).append("\r\n")
                .append("Date: ").append(HTTP_DATE.format(Instant.ofEpochSecond(now))).append("\r\n");
        if (notModified(headers, etag, modified)) {
            notModified.increment();
            head(out, "304 Not Modified", common.toString(), close);
            return close;
        }
        common.append("Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n");
        long size = object.size();
        String range = headers.get("range");
        if (range != null && !head && range.startsWith("bytes=") && range.indexOf(',') < 0) {
            long[] span = span(range.substring(6).trim(), size);
            ranges.increment();
            if (span == null) {
                head(out, "416 Range Not Satisfiable", common + "Content-Range: bytes */" + size + "\r\nContent-Length: 0\r\n", close);
                return close;
            }
            head(out, "206 Partial Content", common + "Content-Range: bytes " + span[0] + "-" + span[1] + "/" + size
                    + "\r\nContent-Length: " + (span[1] - span[0] + 1) + "\r\n", close);
            objects.write(out, id, version, variant, span[0], span[1] - span[0] + 1);
            return close;
        }
        head(out, "200 OK", common + "Content-Length: " + size + "\r\n", close);
        if (!head) {
            objects.write(out, id, version, variant, 0, size);
        }
        return close;
    }

    private static boolean notModified(Map<String, String> headers, String etag, long modified) {
        String match = headers.get("if-none-match");
        if (match != null) {
            return match.equals("*") || java.util.Arrays.stream(match.split(",")).map(String::trim)
                    .map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag).anyMatch(etag::equals);
        }
        String since = headers.get("if-modified-since");
        if (since != null) {
            try {
                return ZonedDateTime.parse(since, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond() >= modified;
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        return false;
    }

    /** First and last byte of a single range spec ("a-b", "a-", "-n") in a body of {@code size}; null if unsatisfiable. */
    static long[] span(String spec, long size) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            if (dash == 0) {
                long suffix = Long.parseLong(spec.substring(1));
                return suffix <= 0 || size == 0 ? null : new long[] {Math.max(0, size - suffix), size - 1};
            }
            long first = Long.parseLong(spec.substring(0, dash));
            long last = dash == spec.length() - 1 ? size - 1 : Math.min(size - 1, Long.parseLong(spec.substring(dash + 1)));
            return first >= size || last < first ? null : new long[] {first, last};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void head(OutputStream out, String status, String headers, boolean close) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A line without its CRLF, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); ; b = in.read()) {
            if (b < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() > 16 << 10) {
                throw new SocketException("header line too long");
            }
            line.append((char) b);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
