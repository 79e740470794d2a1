package sibyl.node.http;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log, one line per request in Squid's native access.log format
 * ({@code %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt}), so that tools written
 * for Squid's logs read it:
 *
 * <pre>
 * 1763823600.123      2 127.0.0.1 TCP_MEM_HIT/200 1389 GET http://example.com/a - HIER_NONE/- text/html
 * </pre>
 *
 * <p>Lines are buffered and written out by {@link #flush}, which the node calls every second,
 * and on close: an event loop never waits on the disk.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    /** Writes nothing. */
    public static final AccessLog NONE = new AccessLog(null, null);

    private final Path path;
    private final BufferedWriter writer;
    private boolean failed;

    private AccessLog(Path path, BufferedWriter writer) {
        this.path = path;
        this.writer = writer;
    }

    /** Appends to {@code path}, creating it (and its directory) if needed. */
    public static AccessLog open(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new AccessLog(path, Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE));
    }

    void record(Transaction transaction) {
        if (writer == null) {
            return;
        }
        long elapsedMillis = (System.nanoTime() - transaction.startNanos) / 1_000_000;
        String code = transaction.aborted && !transaction.originFault ? transaction.code + "_ABORTED"
                : transaction.code.name();
        // Built by hand: String.format cost 5% of a hit's CPU (perf, 16 KiB hits).
        StringBuilder line = new StringBuilder(256);
        line.append(transaction.startMillis / 1000).append('.');
        padded(line, transaction.startMillis % 1000, 3, '0').append(' ');
        padded(line, elapsedMillis, 6, ' ').append(' ')
                .append(transaction.client).append(' ')
                .append(code).append('/');
        padded(line, transaction.status, 3, '0').append(' ')
                .append(transaction.bytesOut).append(' ')
                .append(transaction.method).append(' ')
                .append(transaction.url).append(" - ")
                .append(transaction.hierarchy).append(' ')
                .append(transaction.contentType).append('\n');
        synchronized (this) {
            try {
                writer.append(line);
            } catch (IOException e) {
                reportOnce(e);
            }
        }
    }

    /** Appends {@code value} right-aligned in {@code width} characters, as {@code %03d} or {@code %6d} would. */
    private static StringBuilder padded(StringBuilder line, long value, int width, char pad) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            line.append(pad);
        }
        return line.append(digits);
    }

    /** Writes buffered lines out. */
    public synchronized void flush() {
        if (writer == null) {
            return;
        }
        try {
            writer.flush();
        } catch (IOException e) {
            reportOnce(e);
        }
    }

    private void reportOnce(IOException e) {
        if (!failed) {
            failed = true;
            log.error("access log {}: {}; lines may be lost", path, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (writer == null) {
            return;
        }
        try {
            writer.close();
        } catch (IOException e) {
            reportOnce(e);
        }
    }
}
