package sibyl.bench.hitratio;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Replays traces against caches and prints, per cache, the share of requests and of bytes that
 * were hits. {@code bench/hit-ratio.sh} runs it against the node's index, LRU and the previous
 * build's policy ({@code index}), and end to end against Sibyl, Squid and Varnish ({@code http}).
 */
@Command(name = "hit-ratio", mixinStandardHelpOptions = true, subcommands = {
    HitRatio.Index.class, HitRatio.Http.class, HitRatio.Generate.class})
public final class HitRatio {

    public static void main(String[] args) {
        System.exit(new CommandLine(new HitRatio()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    /** Which traces, and how big the synthetic ones are. */
    static final class TraceOptions {
        @Option(names = "--trace", paramLabel = "NAME", description = "zipf-0.7, zipf-0.9, zipf-1.1, scan, "
                + "one-hit-wonders, shift, or file:PATH (lines 'timestamp id size' or 'id size', .gz too); repeatable "
                + "(default: the six synthetic ones)")
        List<String> names = new ArrayList<>();

        @Option(names = "--objects", description = "objects in the Zipf traces (default ${DEFAULT-VALUE})")
        int objects = 20_000;

        @Option(names = "--requests", description = "requests in the Zipf traces (default ${DEFAULT-VALUE})")
        long requests = 1_000_000;

        @Option(names = "--seed", description = "seeds every synthetic trace (default ${DEFAULT-VALUE})")
        long seed = 1;

        @Option(names = "--size-divisor", description = "divides every size, to move fewer bytes (default ${DEFAULT-VALUE})")
        int sizeDivisor = 1;

        @Option(names = "--sets", description = "shift: working sets (default ${DEFAULT-VALUE})")
        int sets = 3;

        @Option(names = "--set-objects", description = "shift: objects per set (default ${DEFAULT-VALUE})")
        int setObjects = 200;

        @Option(names = "--rounds", description = "shift: rounds per set (default ${DEFAULT-VALUE})")
        int rounds = 4;

        @Option(names = "--object-size", description = "shift: bytes per object (default ${DEFAULT-VALUE})")
        String objectSize = "64k";

        List<Trace> traces() {
            List<String> wanted = names.isEmpty() ? SyntheticTrace.NAMES : names;
            List<Trace> traces = new ArrayList<>();
            SyntheticTrace.Shape shape = new SyntheticTrace.Shape(objects, requests, seed, new SizeMix(seed, sizeDivisor));
            SyntheticTrace.Sets shift = new SyntheticTrace.Sets(sets, setObjects, rounds, bytes("--object-size", objectSize),
                    seed);
            for (String name : wanted) {
                traces.add(name.startsWith("file:") ? new TraceFile(Path.of(name.substring(5)), sizeDivisor)
                        : SyntheticTrace.named(name, shape, shift));
            }
            return traces;
        }
    }

    @Command(name = "index", description = "Replays traces against the node's own index and body store, LRU of the "
            + "same memory, and the previous build's policy (Caffeine).")
    static final class Index implements Callable<Integer> {
        @Mixin
        TraceOptions traces;

        @Option(names = "--memory", description = "cache.memory of every cache (default ${DEFAULT-VALUE})")
        String memory = "512m";

        @Option(names = "--max-object", description = "cache.max-object-size of every cache (default ${DEFAULT-VALUE})")
        String maxObject = "32m";

        @Option(names = "--direct", description = "keep every body in direct memory (default: where the node's "
                + "defaults put them, some in kernel pipes)")
        boolean direct;

        @Override
        public Integer call() throws Exception {
            long memoryBytes = bytes("--memory", memory);
            long maxObjectBytes = bytes("--max-object", maxObject);
            for (Trace trace : traces.traces()) {
                describe(trace, memoryBytes);
                List<Tally> tallies = new ArrayList<>();
                IndexCache sibyl = new IndexCache(memoryBytes, maxObjectBytes, !direct);
                tallies.add(replay(trace, sibyl));
                String replacement = sibyl.replacement();
                tallies.add(replay(trace, new LruCache(memoryBytes, maxObjectBytes)));
                tallies.add(replay(trace, new CaffeineCache(memoryBytes, maxObjectBytes)));
                print(tallies);
                System.out.println("sibyl's policy at the end: " + replacement);
                System.out.println();
            }
            return 0;
        }
    }

    @Command(name = "http", description = "Replays traces through HTTP against one cache in front of an origin this "
            + "command serves; a request the origin did not see is a hit.")
    static final class Http implements Callable<Integer> {
        @Mixin
        TraceOptions traces;

        @Option(names = "--cache", required = true, paramLabel = "NAME=HOST:PORT", description = "the cache to ask")
        String cache;

        @Option(names = "--accelerator", description = "ask it for paths (Varnish), not absolute URLs (a proxy)")
        boolean accelerator;

        @Option(names = "--origin", required = true, paramLabel = "HOST:PORT", description = "where to serve the origin")
        String origin;

        @Override
        public Integer call() throws Exception {
            String[] named = cache.split("=", 2);
            if (named.length != 2) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--cache " + cache + ": not NAME=HOST:PORT");
            }
            InetSocketAddress originAddress = address("--origin", origin);
            try (TraceOrigin server = new TraceOrigin(originAddress)) {
                for (Trace trace : traces.traces()) {
                    try (HttpCache http = new HttpCache(named[0], address("--cache", named[1]), accelerator, server,
                            originAddress)) {
                        System.out.println(replay(trace, http).line());
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "generate", description = "Writes synthetic traces as 'timestamp id size' lines (as the Wikipedia "
            + "CDN traces are), for other tools or for --trace file:PATH.")
    static final class Generate implements Callable<Integer> {
        @Mixin
        TraceOptions traces;

        @Option(names = "--out", required = true, description = "a directory; each trace goes to NAME.tr")
        Path out;

        @Override
        public Integer call() throws Exception {
            java.nio.file.Files.createDirectories(out);
            for (Trace trace : traces.traces()) {
                Path file = out.resolve(trace.name() + ".tr");
                System.out.println(file + ": " + TraceFile.write(trace, file) + " requests");
            }
            return 0;
        }
    }

    /** Replays {@code trace} against {@code cache}, then closes the cache. */
    static Tally replay(Trace trace, ReplayedCache cache) throws Exception {
        Tally tally = new Tally(cache.name(), trace.window(), trace.windowsPerGroup());
        try (cache; Trace.Requests requests = trace.open()) {
            while (requests.next()) {
                boolean hit;
                try {
                    hit = cache.request(requests.id(), requests.size());
                } catch (HttpCache.CutShort e) {
                    tally.cutShort();
                    hit = false;
                }
                tally.count(requests.size(), hit);
            }
        }
        return tally;
    }

    /** Distinct objects counted when a trace is described: beyond that, only "more than". */
    private static final int DISTINCT_COUNTED = 5_000_000;

    private static void describe(Trace trace, long memory) throws Exception {
        Set<Long> objects = new HashSet<>();
        long distinctBytes = 0;
        long requests = 0;
        try (Trace.Requests pass = trace.open()) {
            while (pass.next()) {
                requests++;
                if (objects.size() < DISTINCT_COUNTED && objects.add(pass.id())) {
                    distinctBytes += pass.size();
                }
            }
        }
        String distinct = objects.size() < DISTINCT_COUNTED
                ? String.format(Locale.ROOT, "%,d objects of %,.1f MiB together", objects.size(), distinctBytes / 1048576.0)
                : String.format(Locale.ROOT, "more than %,d objects", DISTINCT_COUNTED);
        System.out.printf(Locale.ROOT, "trace %s: %,d requests for %s; memory %,.1f MiB%n", trace.name(), requests,
                distinct, memory / 1048576.0);
    }

    private static void print(List<Tally> tallies) {
        System.out.println(Tally.header());
        for (Tally tally : tallies) {
            System.out.println(tally.line());
        }
        Tally sibyl = tallies.get(0);
        double bestObjects = 0;
        double bestBytes = 0;
        for (Tally other : tallies.subList(1, tallies.size())) {
            bestObjects = Math.max(bestObjects, other.objectRatio());
            bestBytes = Math.max(bestBytes, other.byteRatio());
        }
        System.out.printf(Locale.ROOT, "%-28s %10s %8.3f %8.3f%n", "sibyl / best other", "",
                sibyl.objectRatio() / bestObjects, sibyl.byteRatio() / bestBytes);
    }

    /** {@code text} as bytes: a number with an optional k, m or g (powers of 1024). */
    static long bytes(String option, String text) {
        String lower = text.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            lower = lower.substring(0, lower.length() - 1);
        }
        try {
            long value = Long.parseLong(lower);
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return value * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + text + ": not a positive size (like 512m)");
        }
    }

    private static InetSocketAddress address(String option, String text) {
        int colon = text.lastIndexOf(':');
        try {
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " " + text + ": not HOST:PORT");
        }
    }

    private HitRatio() {}
}
