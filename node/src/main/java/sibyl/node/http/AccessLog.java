package sibyl.node.http;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * <p>An event loop only formats a line and queues it; a thread of the log's own writes the
 * queue out and flushes whenever it is empty, so no event loop waits on the disk, or on a lock
 * held while the disk is written. The queue holds {@value #QUEUE_LINES} lines: if the disk falls
 * that far behind, further lines are dropped and counted ({@link #dropped}), and the node log
 * says so, rather than the node's memory growing without bound.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    static final int QUEUE_LINES = 65_536;
    /** What the log's thread is asked besides lines: each in its place among them. */
    private enum Marker { CLOSE, REOPEN }

    /** Asks the log's thread to flush what it wrote before, and say so. */
    private record Flush(CountDownLatch done) {}

    /** Writes nothing. */
    public static final AccessLog NONE = new AccessLog(null, null);

    private final Path path;
    /** Guarded by this log's lock once it is open; replaced by {@link #reopen}. */
    private BufferedWriter writer;
    /** Lines, {@link Marker}s and {@link Flush}es, read by the log's thread alone while it runs: in order. */
    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private volatile boolean droppedReported;
    private boolean failed;

    private AccessLog(Path path, BufferedWriter writer) {
        this.path = path;
        this.writer = writer;
        this.queue = writer == null ? null : new ArrayBlockingQueue<>(QUEUE_LINES);
        this.thread = writer == null ? null : new Thread(this::writeOut, "sibyl-access-log");
    }

    /** Appends to {@code path}, creating it (and its directory) if needed. */
    public static AccessLog open(Path path) throws IOException {
        AccessLog accessLog = new AccessLog(path, writerFor(path));
        accessLog.thread.setDaemon(true);
        accessLog.thread.start();
        return accessLog;
    }

    private static BufferedWriter writerFor(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    /**
     * Closes the file and opens its path again, once the lines recorded before are written: what
     * logrotate needs after it moved the file away (SIGUSR1 to {@code sibyl node}, as Squid's
     * {@code -k rotate} reopens its logs). Lines recorded after go to the new file.
     */
    public void reopen() {
        if (queue == null) {
            return;
        }
        if (!queue.offer(Marker.REOPEN)) {
            synchronized (this) { // the queue is full: the lines in it go to the old file first
                writeRest();
                reopenNow();
            }
        }
    }

    private synchronized void reopenNow() {
        try {
            writer.close();
        } catch (IOException e) {
            reportOnce(e);
        }
        try {
            writer = writerFor(path);
            failed = false;
            log.info("access log {}: reopened", path);
        } catch (IOException e) {
            reportOnce(e); // the closed writer refuses the lines that follow: they are lost, and said so once
        }
    }

    /** Queues {@code transaction}'s line; it took {@code elapsedNanos} from its request read to its answer. */
    void record(Transaction transaction, long elapsedNanos) {
        if (queue == null) {
            return;
        }
        long elapsedMillis = elapsedNanos / 1_000_000;
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
        if (!queue.offer(line.toString())) {
            dropped.increment();
            if (!droppedReported) {
                droppedReported = true;
                log.warn("access log {}: the disk is {} lines behind; lines are dropped (and counted) until it catches up",
                        path, QUEUE_LINES);
            }
        }
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    /** The log's own thread: writes what is queued, and flushes whenever nothing is. */
    private void writeOut() {
        List<Object> batch = new ArrayList<>(1024);
        while (true) {
            Object first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            batch.add(first);
            queue.drainTo(batch, 1023);
            boolean closing = write(batch);
            batch.clear();
            if (closing) {
                return;
            }
            if (queue.isEmpty()) {
                flushFile();
            }
        }
    }

    /** Writes {@code lines} and does what the markers among them ask; returns whether one was {@link Marker#CLOSE}. */
    private synchronized boolean write(List<Object> lines) {
        boolean closing = false;
        for (Object line : lines) {
            if (line == Marker.CLOSE) {
                closing = true;
            } else if (line == Marker.REOPEN) {
                reopenNow();
            } else if (line instanceof Flush flush) {
                flushFile();
                flush.done().countDown();
            } else {
                try {
                    writer.append((String) line);
                } catch (IOException e) {
                    reportOnce(e);
                }
            }
        }
        if (droppedReported && queue.isEmpty()) {
            droppedReported = false;
            log.warn("access log {}: caught up; {} lines dropped so far", path, dropped.sum());
        }
        return closing;
    }

    /** Appends {@code value} right-aligned in {@code width} characters, as {@code %03d} or {@code %6d} would. */
    private static StringBuilder padded(StringBuilder line, long value, int width, char pad) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            line.append(pad);
        }
        return line.append(digits);
    }

    /**
     * Writes out every line recorded so far, in order: the log's thread does it and says so (up
     * to 10 s); once that thread has ended, or if its queue stays full, the caller's thread does.
     */
    public void flush() {
        if (queue == null) {
            return;
        }
        if (thread.isAlive()) {
            Flush flush = new Flush(new CountDownLatch(1));
            try {
                if (queue.offer(flush, 1, TimeUnit.SECONDS) && flush.done().await(10, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        writeRest();
    }

    /** Writes what is queued from the caller's thread, markers but {@link Marker#CLOSE} obeyed, and flushes. */
    private synchronized void writeRest() {
        List<Object> rest = new ArrayList<>();
        queue.drainTo(rest);
        write(rest);
        flushFile();
    }

    private synchronized void flushFile() {
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

    /** Writes out what is queued and closes the file. */
    @Override
    public void close() {
        if (queue == null) {
            return;
        }
        try {
            queue.put(Marker.CLOSE);
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
        synchronized (this) {
            writeRest();
            closeFile();
        }
    }

    private void closeFile() {
        try {
            writer.close();
        } catch (IOException e) {
            reportOnce(e);
        }
    }
}
