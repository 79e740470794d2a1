package sibyl.node.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a series is flat after warm-up: the run's first third is warm-up (the cache fills, the
 * JIT compiles, pools grow to their working size), and a series is flat when the highest value
 * of the last third is within {@code fraction} of the middle third's highest plus
 * {@code absolute} (in the series' unit). Highest, not mean: a leak raises the peaks a
 * collector or an eviction brings a series back down from.
 */
final class Flatness {
    /** How much a series may rise from the middle third to the last. */
    record Bound(String column, double fraction, double absolute) {}

    /** A series' verdict; middle and last are NaN when a third had no known value. */
    record Verdict(String column, String unit, double middleMax, double lastMax, double allowed, boolean flat) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-18s middle-third max %9.1f  last-third max %9.1f  allowed %9.1f %-11s %s",
                    column, middleMax, lastMax, allowed, unit, flat ? "flat" : Double.isNaN(lastMax) ? "NO DATA" : "GREW");
        }
    }

    private Flatness() {}

    static List<Verdict> judge(List<ProcessSampler.Sample> samples, List<Bound> bounds) {
        List<Verdict> verdicts = new ArrayList<>();
        if (samples.isEmpty()) {
            return verdicts;
        }
        double end = samples.get(samples.size() - 1).seconds();
        for (Bound bound : bounds) {
            double middle = Double.NaN;
            double last = Double.NaN;
            for (ProcessSampler.Sample sample : samples) {
                double value = sample.values().get(bound.column());
                if (Double.isNaN(value)) {
                    continue;
                }
                if (sample.seconds() >= end * 2 / 3) {
                    last = Double.isNaN(last) ? value : Math.max(last, value);
                } else if (sample.seconds() >= end / 3) {
                    middle = Double.isNaN(middle) ? value : Math.max(middle, value);
                }
            }
            double allowed = middle * (1 + bound.fraction()) + bound.absolute();
            verdicts.add(new Verdict(bound.column(), ProcessSampler.COLUMNS.get(bound.column()), middle, last, allowed,
                    !Double.isNaN(last) && !Double.isNaN(middle) && last <= allowed));
        }
        return verdicts;
    }
}
