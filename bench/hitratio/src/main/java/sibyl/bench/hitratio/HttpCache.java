package sibyl.bench.hitratio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A cache asked over HTTP on one kept-alive connection, one request at a time: a proxy (Sibyl,
 * Squid) gets absolute URLs, an accelerator (Varnish) paths. A request is a hit when the
 * {@link TraceOrigin} did not see it. Every response must be a 200; one whose body the cache cut
 * short (Varnish does when it cannot make room for an object) is a {@link CutShort}: a miss, and
 * counted apart.
 */
final class HttpCache implements ReplayedCache {
    private final String name;
    private final InetSocketAddress address;
    private final boolean accelerator;
    private final TraceOrigin origin;
    private final String originAuthority;
    private final byte[] scratch = new byte[1 << 16];
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private boolean answering;

    /** The cache closed the connection in the middle of a response. */
    static final class CutShort extends IOException {
        CutShort(String message) {
            super(message);
        }
    }

    HttpCache(String name, InetSocketAddress address, boolean accelerator, TraceOrigin origin,
            InetSocketAddress originAddress) {
        this.name = name;
        this.address = address;
        this.accelerator = accelerator;
        this.origin = origin;
        this.originAuthority = originAddress.getHostString() + ":" + originAddress.getPort();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean request(long id, long size) throws IOException {
        String path = TraceOrigin.path(id, size);
        String target = accelerator ? path : "http://" + originAuthority + path;
        byte[] request = ("GET " + target + " HTTP/1.1\r\nHost: " + originAuthority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long before = origin.requests();
        long received;
        try {
            received = exchange(request);
        } catch (IOException e) {
            close();
            if (answering) {
                throw new CutShort(name + ": " + target + ": " + e.getMessage());
            }
            received = exchange(request); // the connection was closed between two requests: once more on a new one
        }
        if (received != size) {
            throw new IOException(name + ": " + target + " came back with " + received + " bytes of " + size);
        }
        return origin.requests() == before;
    }

    /** Sends {@code request} and reads the whole response; returns its body's length. */
    private long exchange(byte[] request) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.connect(address, 5_000);
            socket.setSoTimeout(60_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }
        answering = false;
        out.write(request);
        out.flush();
        String status = line();
        answering = true;
        if (!status.startsWith("HTTP/1.") || !status.substring(9).startsWith("200")) {
            throw new IOException(name + " answered '" + status + "'");
        }
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String header; !(header = line()).isEmpty(); ) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        long received = 0;
        if (chunked) {
            for (long chunk; (chunk = Long.parseLong(line().split(";")[0].strip(), 16)) > 0; ) {
                skip(chunk);
                received += chunk;
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            skip(length);
            received = length;
        } else {
            throw new IOException(name + " sent a body of no stated length");
        }
        answering = false;
        if (close) {
            close();
        }
        return received;
    }

    private void skip(long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            int read = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (read < 0) {
                throw new IOException(name + " closed the connection in a body");
            }
            left -= read;
        }
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException(name + " closed the connection");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            socket = null;
        }
    }
}
