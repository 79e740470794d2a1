package sibyl.node.soak;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A soak of one node process: the soak's origin in this JVM, {@link SoakLoad}'s clients against
 * the node over a working set ten times its cache, {@link ProcessSampler} on the node each
 * second, then a CSV, an SVG and a verdict per series ({@link Flatness}). Run by
 * bench/soak.sh (its {@link #main}) and, smaller, by SoakTest.
 */
final class Soak {
    /** A run: the node, the load, where the figures go and how much each series may rise. */
    record Config(long nodePid, InetSocketAddress http, InetSocketAddress icp, long cacheMemory, Duration duration,
            double requestsPerSecond, double icpPerSecond, int connections, double abortShare, double pipelineShare,
            Duration fullGcEvery, List<Flatness.Bound> bounds, Path csv, Path svg, String title, long seed) {}

    /** What a run saw. */
    record Result(SoakLoad.Tally tally, long originRequests, List<ProcessSampler.Sample> samples,
            List<Flatness.Verdict> verdicts) {
        boolean flat() {
            return verdicts.stream().allMatch(Flatness.Verdict::flat);
        }
    }

    /** The series judged, and how much each may rise from the middle third's peak to the last's (bench/soak.sh's). */
    static List<Flatness.Bound> bounds(double scale) {
        return List.of(new Flatness.Bound("live_heap_mib", 0.10 * scale, 8 * scale),
                new Flatness.Bound("direct_mib", 0.10 * scale, 16 * scale),
                new Flatness.Bound("rss_mib", 0.10 * scale, 32 * scale),
                new Flatness.Bound("fds", 0.10 * scale, 32 * scale),
                new Flatness.Bound("pipes", 0.10 * scale, 32 * scale));
    }

    private static final Map<String, String> LABELS = labels();

    private static Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("live_heap_mib", "Live heap: heap used after the last full GC (MiB)");
        labels.put("heap_after_gc_mib", "Heap used after the last GC, young or full (MiB)");
        labels.put("direct_mib", "Direct memory, the JDK's direct buffer pool (MiB)");
        labels.put("rss_mib", "Resident set size, /proc VmRSS (MiB)");
        labels.put("fds", "Open file descriptors (/proc/PID/fd)");
        labels.put("pipes", "Pipe ends open (descriptors that link to pipe:)");
        labels.put("stored_mib", "Bytes the cache holds, sibyl.bytes_stored (MiB)");
        labels.put("requests_per_s", "Requests completed per second by the load");
        return labels;
    }

    private Soak() {}

    static Result run(Config config, PrintStream out) throws IOException, InterruptedException {
        SoakObjects objects = SoakObjects.weighing(10 * config.cacheMemory(), config.seed());
        out.printf("soak: %d objects, %.0f MiB (10x cache.memory %d MiB); %.0f requests/s on %d connections, %.0f ICP queries/s, %s%n",
                objects.count(), objects.totalBytes() / 1048576.0, config.cacheMemory() >> 20, config.requestsPerSecond(),
                config.connections(), config.icpPerSecond(), config.duration());
        try (SoakOrigin origin = new SoakOrigin(InetAddress.getLoopbackAddress(), objects)) {
            SoakLoad load = new SoakLoad(new SoakLoad.Settings(config.http(), config.icp(), config.connections(),
                    config.requestsPerSecond(), config.icpPerSecond(), config.duration(), config.abortShare(),
                    config.pipelineShare(), config.seed()), objects, origin);
            ProcessSampler sampler = new ProcessSampler(config.nodePid(), config.http(), load.requests::sum, config.fullGcEvery());
            Thread progress = new Thread(() -> progress(load, sampler, out), "soak-progress");
            progress.setDaemon(true);
            progress.start();
            SoakLoad.Tally tally;
            try {
                tally = load.run();
            } finally {
                progress.interrupt();
                sampler.close();
            }
            List<ProcessSampler.Sample> samples = sampler.samples();
            List<Flatness.Verdict> verdicts = Flatness.judge(samples, config.bounds());
            if (config.csv() != null) {
                Files.createDirectories(config.csv().toAbsolutePath().getParent());
                Files.writeString(config.csv(), ProcessSampler.csv(samples));
            }
            if (config.svg() != null) {
                Files.createDirectories(config.svg().toAbsolutePath().getParent());
                String subtitle = String.format("%d requests: %d answered, %d closed by the node, %d unanswered, %d wrong; "
                        + "statuses %s; %d of %d ICP queries answered", tally.requests(), tally.answered(), tally.closed(),
                        tally.unanswered(), tally.wrong(), tally.statuses(), tally.icpAnswered(), tally.icpQueries());
                Files.writeString(config.svg(), SvgChart.render(config.title(), subtitle, samples, LABELS, verdicts));
            }
            Result result = new Result(tally, origin.requests.sum(), samples, verdicts);
            report(result, out);
            return result;
        }
    }

    private static void progress(SoakLoad load, ProcessSampler sampler, PrintStream out) {
        try {
            while (true) {
                Thread.sleep(60_000);
                List<ProcessSampler.Sample> samples = sampler.samples();
                if (!samples.isEmpty()) {
                    ProcessSampler.Sample last = samples.get(samples.size() - 1);
                    StringBuilder line = new StringBuilder(String.format("soak: %4.0f s", last.seconds()));
                    last.values().forEach((column, value) -> line.append(String.format(java.util.Locale.ROOT, " %s=%.1f", column, value)));
                    out.println(line + " | " + load.tally());
                }
            }
        } catch (InterruptedException e) {
            // the run is over
        }
    }

    static void report(Result result, PrintStream out) {
        out.println("soak: " + result.tally() + " origin_requests=" + result.originRequests());
        for (String sample : result.tally().wrongSamples()) {
            out.println("soak: wrong answer: " + sample);
        }
        List<String> grew = new ArrayList<>();
        for (Flatness.Verdict verdict : result.verdicts()) {
            out.println("soak: " + verdict);
            if (!verdict.flat()) {
                grew.add(verdict.column());
            }
        }
        SoakLoad.Tally tally = result.tally();
        out.println("soak: VERDICT " + (grew.isEmpty() ? "flat" : "NOT FLAT: " + String.join(", ", grew))
                + "; " + (tally.unanswered() == 0 ? "every request answered or closed" : tally.unanswered() + " requests unanswered")
                + "; " + (tally.wrong() == 0 ? "no wrong answer" : tally.wrong() + " wrong answers"));
    }

    /** bench/soak.sh: {@code --pid=PID --http=HOST:PORT --icp=HOST:PORT --cache-memory=MIB --seconds=N ...}. */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("--") || equals < 0) {
                throw new IllegalArgumentException("expected --name=value: " + arg);
            }
            options.put(arg.substring(2, equals), arg.substring(equals + 1));
        }
        Config config = new Config(Long.parseLong(options.get("pid")), address(options.get("http")), address(options.get("icp")),
                Long.parseLong(options.getOrDefault("cache-memory-mib", "32")) << 20,
                Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "1800"))),
                Double.parseDouble(options.getOrDefault("rate", "200")), Double.parseDouble(options.getOrDefault("icp-rate", "50")),
                Integer.parseInt(options.getOrDefault("connections", "8")),
                Double.parseDouble(options.getOrDefault("abort-share", "0.005")),
                Double.parseDouble(options.getOrDefault("pipeline-share", "0.005")),
                Duration.ofSeconds(Long.parseLong(options.getOrDefault("full-gc-every", "30"))),
                bounds(Double.parseDouble(options.getOrDefault("bound-scale", "1"))),
                Path.of(options.get("csv")), Path.of(options.get("svg")), options.getOrDefault("title", "Sibyl soak"),
                Long.parseLong(options.getOrDefault("seed", "13")));
        Result result = run(config, System.out);
        boolean good = result.flat() && result.tally().unanswered() == 0 && result.tally().wrong() == 0;
        System.exit(good ? 0 : 1);
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
