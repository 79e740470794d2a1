package sibyl.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A client connection that writes requests byte for byte as a test spells them and reads
 * responses as they come off the wire: so tests see exactly what a client sees, framing included,
 * and can send what no well-behaved client library would.
 */
final class HttpConnection implements AutoCloseable {
    /** A response as read: its status line's code, header lines, body bytes, and framing. */
    record Response(int status, List<String[]> headers, byte[] body, boolean chunked) {
        /** The first value of {@code name}, or null. */
        String header(String name) {
            for (String[] header : headers) {
                if (header[0].equalsIgnoreCase(name)) {
                    return header[1];
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    HttpConnection(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Waits up to {@code timeout} for each read from now on (10 s unless set). */
    HttpConnection readTimeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    /** Sends {@code request} (lines separated by \n, written as CRLF) and reads the response. */
    Response send(String request) throws IOException {
        write(request);
        return read(request.startsWith("HEAD "));
    }

    /** Writes raw request text, \n written as CRLF. */
    void write(String request) throws IOException {
        out.write(request.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads one response; {@code toHead} when it answers a HEAD (no body follows). */
    Response read(boolean toHead) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        String line;
        while ((line = line()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).strip()});
        }
        Response head = new Response(status, headers, new byte[0], false);
        if (toHead || status == 304 || status == 204 || status / 100 == 1) {
            return head;
        }
        String length = head.header("Content-Length");
        String encoding = head.header("Transfer-Encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line().split(";")[0].strip(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    return new Response(status, headers, body.toByteArray(), true);
                }
                body.write(in.readNBytes(size));
                line();
            }
        }
        if (length != null) {
            return new Response(status, headers, in.readNBytes(Integer.parseInt(length)), false);
        }
        return new Response(status, headers, in.readAllBytes(), false); // delimited by the close
    }

    /** Whether the server closed the connection (reads end) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String text = bytes.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            bytes.write(c);
        }
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
