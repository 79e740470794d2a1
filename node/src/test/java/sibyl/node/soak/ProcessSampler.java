package sibyl.node.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Samples a node process each second: from /proc, its resident memory, descriptors and pipes;
 * from its counters page, the heap as the last collection left it and direct memory (the
 * {@code sibyl.jvm.*} gauges). Every {@code fullGcEvery} it asks the process for a full
 * collection (jcmd GC.run), so that "live heap", what a full collection leaves, is measured
 * rather than guessed from young collections (G1 leaves old-generation garbage in place until
 * its heap is 45% full, which a slow leak and a quiet node look alike under).
 */
final class ProcessSampler implements AutoCloseable {
    /** One second's figures, by column; NaN where unknown. */
    record Sample(double seconds, Map<String, Double> values) {}

    /** The columns, in CSV order, with their units. */
    static final Map<String, String> COLUMNS = columns();

    private static Map<String, String> columns() {
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put("live_heap_mib", "MiB");
        columns.put("heap_after_gc_mib", "MiB");
        columns.put("direct_mib", "MiB");
        columns.put("rss_mib", "MiB");
        columns.put("fds", "descriptors");
        columns.put("pipes", "pipe ends");
        columns.put("requests_per_s", "requests/s");
        columns.put("stored_mib", "MiB");
        columns.put("netty_direct_mib", "MiB");
        return columns;
    }

    private final long pid;
    private final URI counters;
    private final LongSupplier requests;
    private final long fullGcEveryMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "soak-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Sample> samples = new ArrayList<>();
    private final long start = System.nanoTime();
    private long lastRequests;
    private double lastSeconds;
    private long lastFullGc = System.nanoTime();
    private volatile Process jcmd;

    ProcessSampler(long pid, InetSocketAddress http, LongSupplier requests, Duration fullGcEvery) {
        this.pid = pid;
        this.counters = URI.create("http://" + http.getAddress().getHostAddress() + ":" + http.getPort()
                + "/squid-internal-mgr/counters");
        this.requests = requests;
        this.fullGcEveryMillis = fullGcEvery.toMillis();
        timer.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    }

    private void sample() {
        Map<String, Double> values = new LinkedHashMap<>();
        COLUMNS.keySet().forEach(column -> values.put(column, Double.NaN));
        Map<String, Long> page = page();
        values.put("live_heap_mib", mib(page.get("sibyl.jvm.heap_after_full_gc_bytes")));
        values.put("heap_after_gc_mib", mib(page.get("sibyl.jvm.heap_after_gc_bytes")));
        values.put("direct_mib", mib(page.get("sibyl.jvm.direct_bytes")));
        values.put("netty_direct_mib", mib(page.get("sibyl.jvm.netty_direct_bytes")));
        values.put("stored_mib", mib(page.get("sibyl.bytes_stored")));
        values.put("rss_mib", rssKib() / 1024.0);
        long[] fds = descriptors();
        values.put("fds", (double) fds[0]);
        values.put("pipes", (double) fds[1]);
        // Over the time since the last sample: a sample late for a slow counters page or a busy
        // machine would otherwise show a dip and a peak that the load never made.
        long now = requests.getAsLong();
        double seconds = (System.nanoTime() - start) / 1e9;
        values.put("requests_per_s", (now - lastRequests) / Math.max(0.1, seconds - lastSeconds));
        lastRequests = now;
        lastSeconds = seconds;
        synchronized (samples) {
            samples.add(new Sample(seconds, values));
        }
        if (fullGcEveryMillis > 0 && System.nanoTime() - lastFullGc >= fullGcEveryMillis * 1_000_000 && jcmd == null) {
            lastFullGc = System.nanoTime();
            fullGc();
        }
    }

    /** Asks the process for a full collection, without waiting for it here. */
    private void fullGc() {
        try {
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(pid), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            jcmd = process;
            process.onExit().thenRun(() -> jcmd = null);
        } catch (IOException e) {
            // no jcmd: live heap stays unknown
        }
    }

    private static double mib(Long bytes) {
        return bytes == null || bytes < 0 ? Double.NaN : bytes / 1048576.0;
    }

    private Map<String, Long> page() {
        Map<String, Long> values = new LinkedHashMap<>();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(counters).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : response.body().split("\n")) {
                String[] parts = line.split(" = ", 2);
                if (parts.length == 2) {
                    try {
                        values.put(parts[0].trim(), Long.parseLong(parts[1].trim()));
                    } catch (NumberFormatException notANumber) {
                        // a mode name and the like
                    }
                }
            }
        } catch (IOException e) {
            // the node did not answer in time: this second's node figures are unknown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return values;
    }

    private double rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return Double.NaN;
    }

    private long[] descriptors() {
        long count = 0;
        long pipes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path entry : entries) {
                count++;
                try {
                    pipes += Files.readSymbolicLink(entry).toString().startsWith("pipe:") ? 1 : 0;
                } catch (IOException closedMeanwhile) {
                    // counted, not as a pipe
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return new long[] {-1, -1};
        }
        return new long[] {count, pipes};
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** The samples as CSV: a header line of column names, then one line per second. */
    static String csv(List<Sample> samples) {
        StringBuilder csv = new StringBuilder("seconds");
        COLUMNS.keySet().forEach(column -> csv.append(',').append(column));
        csv.append('\n');
        for (Sample sample : samples) {
            csv.append(String.format(java.util.Locale.ROOT, "%.1f", sample.seconds()));
            for (String column : COLUMNS.keySet()) {
                double value = sample.values().get(column);
                csv.append(',').append(Double.isNaN(value) ? "" : String.format(java.util.Locale.ROOT, "%.2f", value));
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdown();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        Process process = jcmd;
        if (process != null) {
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
