package sibyl.node.warmup;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The warm-up's origin, on a loopback port: GET {@code /sibyl-warm-up/N/anything} is a body of
 * 1 KiB times 2^N (N up to 6) that every cache may keep for a minute. Each response goes out in
 * one write, so no miss waits out a delayed ACK; connections are kept alive.
 */
final class WarmUpOrigin implements AutoCloseable {
    static final String PATH = "/sibyl-warm-up/";

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "sibyl-warm-up-origin");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    WarmUpOrigin() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
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
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            OutputStream out = socket.getOutputStream();
            for (String requestLine = line(in); requestLine != null; requestLine = line(in)) {
                boolean close = false;
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    close |= header.regionMatches(true, 0, "Connection:", 0, 11) && header.toLowerCase().contains("close");
                }
                out.write(response(requestLine, close));
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the node closed the connection
        } finally {
            open.remove(socket);
        }
    }

    private static byte[] response(String requestLine, boolean close) {
        String[] words = requestLine.split(" ");
        String path = words.length > 1 ? words[1] : "";
        int size = 1024;
        if (path.startsWith(PATH)) {
            String rest = path.substring(PATH.length());
            int slash = rest.indexOf('/');
            try {
                size = 1024 << Math.min(6, Math.max(0, Integer.parseInt(slash < 0 ? rest : rest.substring(0, slash))));
            } catch (NumberFormatException e) {
                // 1 KiB
            }
        }
        byte[] head = ("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + size + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] response = new byte[head.length + size];
        System.arraycopy(head, 0, response, 0, head.length);
        return response;
    }

    /** A line without its CRLF (or LF), or null at the end of the stream. */
    static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
        threads.shutdownNow();
    }
}
