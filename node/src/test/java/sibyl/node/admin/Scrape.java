package sibyl.node.admin;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A scrape as Prometheus reads it: the text parsed by the Prometheus project's own parser
 * (Debian's python3-prometheus-client, which .ci/run installs), not by ours, so that a
 * malformed exposition fails the test. Each sample by its name and sorted labels, as
 * {@code name{a="1",b="2"}}; each family's type by its name.
 */
public record Scrape(Map<String, Double> samples, Map<String, String> types) {
    /** Debian's interpreter: the one its python3-prometheus-client package is installed for. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String PARSER = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                print("TYPE\\t%s\\t%s" % (family.name, family.type))
                for sample in family.samples:
                    labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(sample.labels.items()))
                    print("SAMPLE\\t%s{%s}\\t%r" % (sample.name, labels, sample.value))
            """;

    static Scrape parse(String text) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c", "import prometheus_client")
                .start().waitFor() == 0, "needs Debian's python3-prometheus-client (apt-get install python3-prometheus-client;"
                + " .ci/run installs it) to parse the scrape as Prometheus does");
        Process parser = new ProcessBuilder(PYTHON.toString(), "-c", PARSER).start();
        parser.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        parser.getOutputStream().close();
        String out = new String(parser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(parser.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!parser.waitFor(30, TimeUnit.SECONDS) || parser.exitValue() != 0) {
            throw new AssertionError("Prometheus's parser refused the scrape: " + err + "\n--- scrape:\n" + text);
        }
        Map<String, Double> samples = new TreeMap<>();
        Map<String, String> types = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split("\t");
            if (fields[0].equals("TYPE")) {
                types.put(fields[1], fields[2]);
            } else if (fields[0].equals("SAMPLE")) {
                samples.put(fields[1], Double.parseDouble(fields[2].replace("inf", "Infinity")));
            }
        }
        return new Scrape(samples, types);
    }

    /** The sample {@code name{labels}} (labels sorted, as {@code a="1",b="2"}), or 0 if absent. */
    public double value(String sample) {
        return samples.getOrDefault(sample.contains("{") ? sample : sample + "{}", 0.0);
    }

    /** Whether the scrape has the sample. */
    public boolean has(String sample) {
        return samples.containsKey(sample.contains("{") ? sample : sample + "{}");
    }

    /** How much {@code sample} grew since {@code before}. */
    public double since(Scrape before, String sample) {
        return value(sample) - before.value(sample);
    }
}
