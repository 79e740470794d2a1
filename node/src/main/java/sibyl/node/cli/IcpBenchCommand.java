package sibyl.node.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sibyl.icp.client.IcpLoadGenerator;
import sibyl.icp.wire.IcpOpcode;

/** {@code sibyl icp bench}: a fixed window of queries in flight, and what came back. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Keep a window of ICP queries in flight against a server and report replies/s, lost queries "
                + "and round-trip percentiles. The last line (RESULT ...) is for scripts.",
            "Exit status: 0 if every measured query was answered, 1 if any was lost."})
final class IcpBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The ICP server.")
    InetSocketAddress server;

    @Option(names = "--queries", paramLabel = "N", defaultValue = "1000000",
            description = "Queries to measure (default ${DEFAULT-VALUE}).")
    long queries;

    @Option(names = "--window", paramLabel = "W", defaultValue = "64",
            description = "Queries kept in flight (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "200000",
            description = "Queries sent first and not measured, to warm both ends up (default ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "1000",
            description = "A query unanswered for this long is lost (default ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--urls", paramLabel = "FILE",
            description = "URLs to query in turn, one a line (default: 1000 generated URLs).")
    Path urlFile;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> urls;
        try {
            urls = urlFile == null
                    ? IntStream.range(0, 1000).mapToObj(i -> "http://bench.sibyl.invalid/object/" + i).toList()
                    : Files.readAllLines(urlFile).stream().map(String::strip).filter(line -> !line.isEmpty()).toList();
        } catch (IOException e) {
            err.println("sibyl: cannot read --urls " + urlFile + ": " + e);
            return SibylCommand.EXIT_USAGE;
        }
        if (urls.isEmpty()) {
            err.println("sibyl: " + urlFile + " has no URLs");
            return SibylCommand.EXIT_USAGE;
        }
        if (queries < 1 || window < 1 || warmup < 0 || timeoutMillis < 1) {
            err.println("sibyl: --queries, --window and --timeout must be positive, --warmup not negative");
            return SibylCommand.EXIT_USAGE;
        }
        Duration timeout = Duration.ofMillis(timeoutMillis);
        if (warmup > 0) {
            IcpLoadGenerator.run(server, urls, warmup, window, timeout);
        }
        IcpLoadGenerator.Result result = IcpLoadGenerator.run(server, urls, queries, window, timeout);
        out.printf("server      %s%n", server);
        out.printf("queries     %,d at window %d (after %,d warm-up queries), %d URLs%n", result.queries(), window, warmup,
                urls.size());
        out.printf("replies/s   %,.0f%n", result.repliesPerSecond());
        out.printf("lost        %,d (late replies %,d, malformed %,d)%n", result.lost(), result.late(), result.malformed());
        out.printf("round trip  p50 %.1f us   p99 %.1f us   p99.9 %.1f us   max %.1f us%n",
                result.roundTripMicros(50), result.roundTripMicros(99), result.roundTripMicros(99.9),
                result.roundTripNanos().getMaxValue() / 1000.0);
        out.printf("replies     %s%n", describe(result.replies()));
        out.printf("RESULT replies_per_s=%.0f lost=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f%n",
                result.repliesPerSecond(), result.lost(), result.roundTripMicros(50), result.roundTripMicros(99),
                result.roundTripMicros(99.9));
        out.flush();
        return result.lost() == 0 ? 0 : 1;
    }

    private static String describe(Map<IcpOpcode, Long> replies) {
        return replies.entrySet().stream()
                .map(e -> e.getKey().rfcName() + " " + String.format("%,d", e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
